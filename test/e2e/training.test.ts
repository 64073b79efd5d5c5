// The Training dashboard in Chromium against `flowmo serve`: the form offers the engine's presets and defaults; a run
// of the tiny 16×16 model on 8 real photos started from the form, watched until steps and a sample arrive (a drag-zoom
// kept while points arrive); a new page reattaches; pause (a checkpoint) and resume, the engine killed mid-run and
// resumed by the host (elapsed time counting on); the folder browsed as history, two runs compared, and a finished
// run continued to more steps. Screenshots: test-results/screenshots/training-*.png.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRunFixture } from '../trainer/run-control/fixture'
import { callEngine, openApp, pixelStats, projectRoot, screenshot, workMs, type AppSession } from './harness'

const fixture = await makeRunFixture()
const out = join(fixture.root, 'ui-run')
const settings = { maxSteps: '3000', batchSize: '2', lr: '0.001', logEvery: '1', sampleEvery: '2', valEvery: '2', checkpointEvery: '1000', keepLast: '2', keepEvery: '500' }

const step = async (page: Page) => Number(await page.textContent('[data-testid=run-step]'))
const points = async (page: Page, loss = 'total_loss') => Number(await page.getAttribute(`[data-testid=loss-chart-${loss}]`, 'data-points'))
const status = (page: Page) => page.textContent('[data-testid=run-status]')
const elapsed = async (page: Page) => Number(await page.getAttribute('[data-testid=run-elapsed]', 'data-seconds'))

/** A fresh page on the same server, showing the Training section. */
async function newPage(app: AppSession): Promise<Page> {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (error) => app.pageErrors.push(error.message))
  await page.goto(app.served.url)
  await page.locator('[data-testid="backend"]').filter({ hasNotText: '…' }).waitFor({ timeout: workMs })
  await page.click('[data-testid=section-training]')
  return page
}

describe('training dashboard in Chromium', () => {
  let app: AppSession
  let page: Page
  let pausedAt = 0 // the step of the run's only checkpoint (checkpointEvery is far away)
  let elapsedAtPause = 0 // seconds trained when it paused

  beforeAll(async () => {
    app = await openApp({ backend: 'cpu', allow: [projectRoot, fixture.root] })
    page = app.page
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.click('[data-testid=section-training]')
  })
  afterAll(() => app?.close())

  it("offers the engine's presets with their size and BPP, and its defaults of the stage as greyed placeholders", async () => {
    const offer = await callEngine(page, 'trainingDefaults', undefined)
    const options = page.locator('[data-testid=run-preset] option')
    await expect.poll(() => options.count(), { timeout: workMs }).toBe(offer.presets.length)
    const listed = await options.evaluateAll((o) => o.map((e) => [(e as unknown as { value: string }).value, e.textContent ?? '']))
    expect(listed.map(([value]) => value)).toEqual(offer.presets.map((p) => p.name))
    for (const [[, text], p] of listed.map((row, i) => [row, offer.presets[i]] as const)) {
      expect(text).toContain(`${p.imageSize} px, ${p.tokens} × ${p.bits} bits, ${p.bitsPerPixel.toFixed(4)} BPP`)
      expect(text.includes('GPU-scale')).toBe(p.gpuScale)
    }
    expect(listed.find(([value]) => value === 'tiny-64')![1]).toContain('0.1875 BPP')
    expect(await page.inputValue('[data-testid=run-preset]')).toBe(offer.presets.find((p) => !p.gpuScale)!.name)
    await page.selectOption('[data-testid=run-preset]', 'flowmo-lo')
    expect(await page.textContent('[data-testid=run-preset-detail]')).toMatch(/GPU-scale: 9\d\d M parameters/)
    await screenshot(page, 'training-form-presets')
    await page.selectOption('[data-testid=run-preset]', 'tiny-64')
    expect(await page.getAttribute('[data-testid=run-lr]', 'placeholder')).toBe(String(offer.defaults['1a'].lr))
    await page.selectOption('[data-testid=run-stage]', '1b')
    expect(await page.getAttribute('[data-testid=run-lr]', 'placeholder')).toBe(String(offer.defaults['1b'].lr))
    expect(await page.getAttribute('[data-testid=run-perceptualWeight]', 'placeholder')).toBe(String(offer.defaults['1b'].perceptualWeight))
    expect(await page.inputValue('[data-testid=run-engine]')).toBe('onnxruntime') // the default: it trains every stage and term
    expect(await page.textContent('[data-testid=start-problems]')).not.toMatch(/onnxruntime/) // Stage 1B with the proxy: no refusal
    await page.selectOption('[data-testid=run-stage]', '1a')
    await page.selectOption('[data-testid=run-perceptual]', 'lpips-vgg')
    const files = offer.perceptuals.find((p) => p.kind === 'lpips-vgg')!.weightFiles
    expect(await page.locator('label.field', { has: page.locator('[data-testid=run-weights]') }).textContent()).toContain(files.join(', '))
    await page.selectOption('[data-testid=run-perceptual]', 'none')
    expect(await page.locator('[data-testid=run-weights]').count()).toBe(0)
    await page.selectOption('[data-testid=run-perceptual]', offer.defaults['1a'].perceptual)
  })

  it('shows the engine refusing a request next to the form', async () => {
    await page.fill('[data-testid=run-data]', join(fixture.root, 'no-such-folder'))
    await page.fill('[data-testid=run-out]', out)
    await page.check('[data-testid=run-model-config]')
    await page.fill('[data-testid=run-config]', fixture.config)
    await page.click('[data-testid=run-start]')
    await expect.poll(() => page.textContent('[data-testid=start-error]'), { timeout: workMs }).toMatch(/no-such-folder.*\(not-found\)/)
    expect(await page.locator('[data-testid=run-item]').count()).toBe(0)
    await page.fill('[data-testid=run-data]', fixture.data) // the field fixed: the old error goes
    expect(await page.locator('[data-testid=start-error]').count()).toBe(0)
  })

  it('starts a run from the form and shows its steps, loss curves and a sample grid as they arrive', async () => {
    await page.fill('[data-testid=run-data]', fixture.data)
    for (const [key, value] of Object.entries(settings)) await page.fill(`[data-testid=run-${key}]`, value)
    await page.selectOption('[data-testid=run-perceptual]', 'none') // the proxy needs 32 px, the test model is 16 px
    expect(await page.locator('[data-testid=start-problems]').count()).toBe(0)
    expect(await page.inputValue('[data-testid=run-engine]')).toBe('onnxruntime') // the default engine trains it
    expect(await page.textContent('[data-testid=run-engine-note]')).toMatch(/tfjs is the reference path/)
    await screenshot(page, 'training-form')
    await page.click('[data-testid=run-start]')
    await page.locator('[data-testid=run-dashboard]').waitFor({ timeout: workMs })
    await expect.poll(() => points(page), { timeout: workMs }).toBeGreaterThan(2)
    expect(await step(page)).toBeGreaterThan(2)
    expect(await status(page)).toBe('training')
    await page.locator('[data-testid=sample-canvas]').waitFor({ timeout: workMs })
    const sample = await pixelStats(page, '[data-testid=sample-canvas]')
    expect(sample.height).toBe(32) // two 16×16 rows: originals over reconstructions
    expect(Math.max(...sample.std)).toBeGreaterThan(10) // real photos, not a blank canvas
    await page.locator('[data-testid=validation-chart]').waitFor({ timeout: workMs })
    const options = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).options // the retention fields reached the engine
    expect([options.keepLast, options.keepEvery]).toEqual([2, 500])
    expect(await page.locator('[data-testid=bit-balance] rect').count()).toBe(6) // the tiny model's 6 code bits
    await screenshot(page, 'training-running')
  })

  it('keeps a drag-zoom on a live chart while points arrive; a double-click resets it', async () => {
    const chart = page.locator('[data-testid=loss-chart-total_loss]')
    const over = chart.locator('.u-over')
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.8, { steps: 5 }) // a box: x and y
    await page.mouse.up()
    expect(await chart.getAttribute('data-zoomed')).toBe('true')
    const zoomedRange = await chart.getAttribute('data-x-range')
    const before = await points(page)
    await expect.poll(() => points(page), { timeout: workMs }).toBeGreaterThan(before + 2)
    expect(await chart.getAttribute('data-x-range')).toBe(zoomedRange)
    await screenshot(page, 'training-zoomed')
    await over.dblclick()
    expect(await chart.getAttribute('data-zoomed')).toBe('false')
    const xMax = Number((await chart.getAttribute('data-x-range'))!.split(':')[1])
    expect(xMax).toBeGreaterThanOrEqual(before + 2) // the whole run again, new points included
  })

  it('reattaches in a new page: the run is listed, its curve has the earlier steps and keeps growing', async () => {
    const before = await step(page)
    await page.close()
    page = await newPage(app)
    await page.locator('[data-testid=run-dashboard]').waitFor({ timeout: workMs })
    expect(await page.locator('[data-testid=run-item]').count()).toBe(1)
    expect(await points(page)).toBeGreaterThanOrEqual(before) // logEvery 1: one point per step since step 1
    await expect.poll(() => step(page), { timeout: workMs }).toBeGreaterThan(before + 1)
    expect(await status(page)).toBe('training')
  })

  it('pauses with a checkpoint and resumes from it', async () => {
    await page.click('[data-testid=run-pause]')
    await expect.poll(() => status(page), { timeout: workMs }).toBe('paused')
    expect(await page.locator('[data-testid=run-continue-form]').count()).toBe(0) // one way on: Resume
    expect(await page.locator('[data-testid=run-pause]').count()).toBe(0)
    const paused = await step(page)
    pausedAt = paused
    elapsedAtPause = await elapsed(page)
    expect(elapsedAtPause).toBeGreaterThan(0)
    expect(await page.textContent('[data-testid=checkpoint-list]')).toContain(`step ${paused}`)
    const before = await points(page)
    await page.click('[data-testid=run-resume]')
    await expect.poll(() => step(page), { timeout: workMs }).toBeGreaterThan(paused + 1)
    expect(await status(page)).toBe('training')
    expect(await points(page)).toBeGreaterThan(before) // continued from the checkpoint, the curve kept
    expect(await elapsed(page)).toBeGreaterThan(elapsedAtPause) // elapsed counts on from the paused segment
  })

  it('says so when the engine crashes and the host resumes the run from its last checkpoint', async () => {
    const { pid } = await callEngine(page, 'status', undefined)
    const crashedAt = await step(page)
    process.kill(pid, 'SIGKILL')
    const notice = page.locator('[data-testid=run-notice]', { hasText: 'resumed from checkpoint' })
    await notice.waitFor({ timeout: workMs })
    expect(await notice.textContent()).toMatch(new RegExp(`Engine crashed at step ${crashedAt}.*resumed from checkpoint step ${pausedAt}$`))
    await expect.poll(() => step(page), { timeout: workMs }).toBeGreaterThan(crashedAt)
    expect(await status(page)).toBe('training')
    expect(await elapsed(page)).toBeGreaterThan(elapsedAtPause) // from the checkpoint's elapsed time, not from zero
    await screenshot(page, 'training-resumed-after-crash')
  })

  it('stops the run, then browses its folder as history in a new page and compares it with a second run', async () => {
    await page.click('[data-testid=run-stop]')
    await expect.poll(() => status(page), { timeout: workMs }).toBe('stopped')
    const stoppedAt = await step(page)
    expect(await page.locator('[data-testid=run-resume]').count()).toBe(0) // a stopped run is extended, not resumed
    expect(await page.textContent('[data-testid=run-continue]')).toBe(`Continue from checkpoint ${stoppedAt}`)
    await page.reload() // the stopped run is listed again, read back from its folder
    await page.click('[data-testid=section-training]')
    const listed = page.locator('[data-testid=run-item]', { hasText: 'ui-run' })
    await expect.poll(() => listed.count(), { timeout: workMs }).toBe(1)
    await listed.click()
    await expect.poll(() => status(page), { timeout: workMs }).toBe('not running (history)')
    expect(await step(page)).toBe(stoppedAt)
    const other = join(fixture.root, 'other-run')
    await callEngine(page, 'startRun', { data: fixture.data, out: other, config: fixture.config, maxSteps: 6, batchSize: 2, lr: 3e-4, perceptual: 'none', logEvery: 1, sampleEvery: 3, valEvery: 3 })
    await expect.poll(() => callEngine(page, 'listRuns', undefined).then((r) => r.length), { timeout: workMs }).toBe(0)
    await page.close()
    page = await newPage(app)
    for (const dir of [other, out]) {
      await page.fill('[data-testid=history-folder]', dir)
      await page.click('[data-testid=history-open]')
      await expect.poll(() => page.getAttribute('[data-testid=run-dashboard]', 'data-run'), { timeout: workMs }).toBe(dir.split('/').at(-1))
    }
    expect(await status(page)).toBe('not running (history)')
    expect(await points(page)).toBe(stoppedAt) // every step logged in metrics.jsonl, once
    await page.locator('[data-testid=sample-canvas]').waitFor({ timeout: workMs }) // read back through runSample
    expect(Math.max(...(await pixelStats(page, '[data-testid=sample-canvas]')).std)).toBeGreaterThan(10)
    await page.locator('[data-testid=sample-step]').fill('0') // the first logged sample, read from samples/step-000002.png
    await expect.poll(() => page.getAttribute('[data-testid=sample-canvas]', 'data-step'), { timeout: workMs }).toBe('2')
    await screenshot(page, 'training-history')
    await page.click('[data-testid=train-compare]')
    const keys = await page.locator('[data-testid=compare-run-1] option').evaluateAll((o) => o.map((e) => (e as unknown as { value: string }).value))
    await page.selectOption('[data-testid=compare-run-1]', keys[1])
    await page.selectOption('[data-testid=compare-run-2]', keys[2])
    await expect.poll(() => points(page, 'flow_loss'), { timeout: workMs }).toBe(stoppedAt) // the union of both runs' steps
    await screenshot(page, 'training-compare')
  })

  it('continues a finished run to more steps from its last checkpoint', async () => {
    await page.locator('[data-testid=run-item]', { hasText: 'other-run' }).click()
    expect(await page.textContent('[data-testid=run-continue]')).toBe('Continue from checkpoint 6')
    await page.fill('[data-testid=run-continue-steps]', '5')
    expect(await page.textContent('[data-testid=run-continue-problem]')).toBe('needs more than checkpoint step 6')
    expect(await page.isDisabled('[data-testid=run-continue]')).toBe(true)
    await page.fill('[data-testid=run-continue-steps]', '8')
    await page.click('[data-testid=run-continue]')
    await expect.poll(() => status(page), { timeout: workMs }).toBe('finished')
    expect(await step(page)).toBe(8)
    expect(await page.getAttribute('[data-testid=run-progress]', 'max')).toBe('8') // the new max steps
    expect(await page.textContent('[data-testid=checkpoint-list]')).toContain('step 8')
    await screenshot(page, 'training-continued')
    expect(app.pageErrors).toEqual([])
  })
})
