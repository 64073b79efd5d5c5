// The Generate section in Chromium against `flowmo serve`, on the bundled tokenizer (64 px, 64 tokens × 18 bits): encode
// a folder of two classes, train a maskgit-tiny generator from the form until the curves have points, stop it (its
// checkpoint), sample a grid with the knobs, scrub the unmasking timeline (arccos counts of committed tokens, the last
// frame is the grid's sample), and score the grid with the proxy network and its protocol card.
// Screenshots: test-results/screenshots/generate-*.png.
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { arccosRatio } from '../../src/trainer/stage2/masking'
import { openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-generate-ui-')))
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const data = join(tmp, 'data')
const S = 4 // MaskGiT steps

/** RGB values of a canvas (alpha dropped), read in the page. */
function canvasRgb(page: Page, testid: string): Promise<number[]> {
  return page.locator(`[data-testid="${testid}"]`).evaluate((canvas) => {
    const c = canvas as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).filter((_, i) => i % 4 !== 3)
  })
}

describe('Generate section in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    for (const [cls, name] of [['a', 'val64_0001.png'], ['a', 'val64_0002.png'], ['a', 'val64_0003.png'], ['b', 'val64_0004.png'], ['b', 'val64_0005.png']]) {
      mkdirSync(join(data, cls), { recursive: true })
      copyFileSync(join(photos, name), join(data, cls, name))
    }
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tmp] })
    page = app.page
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs }) // the bundled tokenizer
    await page.locator('[data-testid=open-busy]').waitFor({ state: 'detached', timeout: workMs })
    await page.click('[data-testid=section-generate]')
  })
  afterAll(() => app?.close())

  it('encodes a folder with the open tokenizer', async () => {
    expect(await page.textContent('[data-testid=gen-tokenizer]')).toContain('photo-64.safetensors — 64 tokens × 18 bits')
    await page.fill('[data-testid=gen-data]', data)
    await page.fill('[data-testid=gen-codes-out]', join(tmp, 'codes.safetensors'))
    await page.click('[data-testid=gen-encode]')
    await page.locator('[data-testid=gen-codes-report]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=gen-codes-report]')).toContain('10 codes · 64 tokens × 18 bits = 128 ids of 512 · 2 classes (a, b)')
    expect(await page.inputValue('[data-testid=gen-codes-path]')).toBe(join(tmp, 'codes.safetensors'))
  })

  it('trains a generator from the form: live curves, then Stop writes a checkpoint the sampler reads', async () => {
    await page.fill('[data-testid=gen-run-out]', join(tmp, 'run'))
    await page.fill('[data-testid=gen-max-steps]', '1000')
    await page.fill('[data-testid=gen-batch]', '2')
    await page.click('[data-testid=gen-train-start]')
    const points = () => page.getAttribute('[data-testid=gen-chart-loss]', 'data-points').then(Number).catch(() => 0)
    await expect.poll(points, { timeout: 240_000, interval: 1000 }).toBeGreaterThanOrEqual(2)
    expect(Number(await page.getAttribute('[data-testid=gen-chart-accuracy]', 'data-points'))).toBeGreaterThanOrEqual(2)
    await screenshot(page, 'generate-training')
    await page.locator('[data-testid=progress-gen-train] button').click()
    await page.locator('[data-testid=gen-train-report]').waitFor({ timeout: 180_000 })
    const report = (await page.textContent('[data-testid=gen-train-report]'))!
    expect(report).toMatch(/^\s*stopped at step \d+ \(Resume continues it\); checkpoint .*step-\d{6}\.safetensors/)
    const stoppedAt = Number(/step (\d+)/.exec(report)![1])
    expect(stoppedAt).toBeGreaterThanOrEqual(2)
    expect(report).toContain(`step-${String(stoppedAt).padStart(6, '0')}.safetensors`)
    expect(await page.inputValue('[data-testid=gen-run]')).toBe(join(tmp, 'run'))
    await expect.poll(() => page.textContent('[data-testid=gen-run-info]').catch(() => ''), { timeout: workMs }).toContain(`step ${stoppedAt} · 64 × 2 sub-tokens of 512 · classes a, b`)
    expect(await page.locator('[data-testid=gen-class] option').allTextContents()).toEqual(['round-robin', 'a', 'b'])
  }, 400_000)

  it('samples a grid with the knobs and scrubs the unmasking timeline', async () => {
    await page.fill('[data-testid=gen-samples-out]', join(tmp, 'samples'))
    await page.fill('[data-testid=gen-n]', '4')
    await page.fill('[data-testid=gen-steps]', String(S))
    await page.fill('[data-testid=gen-guidance]', '1.5')
    await page.fill('[data-testid=gen-seed]', '7')
    await page.fill('[data-testid=gen-decode-steps]', '4')
    await page.click('[data-testid=gen-generate]')
    await page.locator('[data-testid=gen-timeline]').waitFor({ timeout: 240_000 })
    expect(await page.locator('[data-testid=gen-grid] canvas').count()).toBe(4)
    expect(await page.locator('[data-testid=gen-grid] figcaption').allTextContents()).toEqual(['#0 · a', '#1 · b', '#2 · a', '#3 · b'].map((t) => expect.stringContaining(t)) as never)
    const N = 128 // sequence length: 64 tokens × 2 sub-tokens of 9 bits
    // the slider starts at the last step: every token committed, and the frame is the grid's sample 0
    expect(await page.textContent('[data-testid=gen-timeline-label]')).toContain(`${S} / ${S}: ${N} of ${N} sub-tokens committed`)
    const [last, sample0] = [await canvasRgb(page, 'gen-timeline-frame'), await canvasRgb(page, 'gen-sample-0')]
    expect(Math.max(...last.map((v, i) => Math.abs(v - sample0[i])))).toBeLessThanOrEqual(1)
    // after step s, N − floor(N·acos(r)/(π/2)) committed (r = (s+1)/S); the strip marks the new ones
    let before = 0
    for (let s = 0; s < S - 1; s++) {
      await page.locator('[data-testid=gen-timeline-step]').fill(String(s))
      const committed = N - Math.max(1, Math.floor(N * arccosRatio((s + 1) / S)))
      expect(await page.textContent('[data-testid=gen-timeline-label]')).toContain(`${s + 1} / ${S}: ${committed} of ${N} sub-tokens committed (${committed - before} at this step)`)
      expect(await page.locator('[data-testid=gen-timeline-tokens] .now').count()).toBe(committed - before)
      expect(await page.locator('[data-testid=gen-timeline-tokens] .masked').count()).toBe(N - committed)
      before = committed
    }
    await page.locator('[data-testid=gen-timeline-step]').fill('0')
    const first = await canvasRgb(page, 'gen-timeline-frame')
    expect(first.some((v, i) => Math.abs(v - last[i]) > 8)).toBe(true) // a partial code decodes to another image
    await screenshot(page, 'generate-timeline')
  }, 400_000)

  it('scores the grid with the proxy network and shows the protocol card', async () => {
    expect(await page.inputValue('[data-testid=gen-eval-samples]')).toBe(join(tmp, 'samples'))
    await page.fill('[data-testid=gen-ref]', data)
    await page.check('[data-testid=gen-proxy]')
    await page.click('[data-testid=gen-evaluate]')
    await page.locator('[data-testid=gen-metrics-table]').waitFor({ timeout: 240_000 })
    const names = await page.locator('[data-testid=gen-metrics-table] th').allTextContents()
    expect(names).toEqual(['FID-proxy', 'sFID-proxy', 'IS-proxy', 'precision', 'recall', 'KID-proxy'])
    for (const name of ['precision', 'recall']) {
      const v = Number(await page.textContent(`[data-metric=${name}]`))
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThanOrEqual(1)
    }
    expect((await page.locator('[data-testid=gen-metrics-warning]').allTextContents()).join('\n')).toMatch(/only 4 samples \(< 2048\)[\s\S]*proxy network/)
    await page.click('[data-testid=gen-protocol] summary')
    const card = JSON.parse((await page.textContent('[data-testid=gen-protocol-json]'))!)
    expect(card).toMatchObject({ proxy: true, samples: { n: 4, generation: { n: 4, sampling: { steps: S, guidanceScale: 1.5, seed: 7 } } }, reference: { n: 5 }, precisionRecallK: 3 })
    await screenshot(page, 'generate-metrics')
    expect(app.pageErrors).toEqual([])
  }, 400_000)
})
