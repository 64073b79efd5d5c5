// The Sweeps section in Chromium against `flowmo serve`: a small sweep (golden tiny-a, 2 real photos, steps 2,4 × ρ 1,4)
// run through the form, its live views (originals before any cell, table, curves) and finished ones (best marks, image
// grid, timing note), the JSON it saved, a cancelled sweep resumed by running it again,
// and the same JSON reopened through the view. Screenshots: test-results/screenshots/sweep-*.png.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BundledFiles } from '../../src/shared/protocol'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { callEngine, openApp, pixelStats, projectRoot, screenshot, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-e2e-'))
const data = join(tmp, 'photos')
const out = join(tmp, 'sweep.json')

/** The table's PSNR column as shown. */
const psnrTexts = (page: Page) => page.locator('[data-testid=sweep-cell-row] td[data-metric=psnr]').allTextContents()

describe('sweeps in Chromium', () => {
  let app: AppSession
  let page: Page
  let finishedPsnr: string[]
  let bundled: BundledFiles
  let cancelledAfter: number // cells the cancelled long sweep had scored

  beforeAll(async () => {
    mkdirSync(data)
    for (const name of ['val64_0000.png', 'val64_0001.png']) copyFileSync(join(photos, name), join(data, name))
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tinyA, tmp] })
    page = app.page
    bundled = await callEngine(page, 'bundled', undefined)
    if (bundled.models.length) await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs })
    await page.locator('[data-testid=open-busy]').waitFor({ state: 'detached', timeout: workMs })
    await page.click('[data-testid=section-sweep]')
  })
  afterAll(() => app?.close())

  it('starts from the inspector’s open model and image folder', async () => {
    expect(await page.inputValue('[data-testid=sweep-checkpoint]')).toBe(bundled.models[0] ?? '')
    expect(await page.inputValue('[data-testid=sweep-data]')).toBe(bundled.images.length ? dirname(bundled.images[0]) : '')
  })

  it('checks the grid text before running', async () => {
    await page.fill('[data-testid=sweep-steps]', '2, x')
    expect(await page.textContent('[data-testid=sweep-error-steps]')).toBe('"x" is not a number')
    await page.fill('[data-testid=sweep-rho]', '1, 1')
    expect(await page.textContent('[data-testid=sweep-error-rho]')).toBe('1 is given twice')
    expect(await page.isDisabled('[data-testid=sweep-run]')).toBe(true)
  })

  it('shows a long sweep while it runs, cell by cell, and cancels it', async () => {
    await page.fill('[data-testid=sweep-checkpoint]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=sweep-config]', join(tinyA, 'config.json'))
    await page.fill('[data-testid=sweep-data]', data)
    await page.fill('[data-testid=sweep-steps]', '50, 100, 200, 400')
    await page.fill('[data-testid=sweep-rho]', '1, 2, 4, 8')
    await page.fill('[data-testid=sweep-limit]', '2')
    await page.fill('[data-testid=sweep-grid-images]', '2')
    await page.fill('[data-testid=sweep-out]', join(tmp, 'long.json'))
    expect(await page.textContent('[data-testid=sweep-run]')).toBe('Run sweep (16 cells)')
    await page.click('[data-testid=sweep-run]')
    await page.locator('[data-testid=sweep-original]').waitFor({ timeout: workMs }) // sweep:originals, long before the end
    expect(await page.locator('[data-testid=sweep-cell-row]').count()).toBeLessThan(16)
    expect(await page.locator('[data-testid=sweep-image-pick] button').count()).toBe(2)
    await expect.poll(() => page.locator('[data-testid=sweep-cell-row]').count(), { timeout: workMs }).toBeGreaterThanOrEqual(2)
    expect(Math.max(...(await pixelStats(page, '[data-testid=sweep-original]')).std)).toBeGreaterThan(10) // a photo, while it runs
    expect(await page.textContent('[data-testid=sweep-mosaic] figcaption')).toBe('original')
    expect(await page.textContent('[data-testid=sweep-status]')).toMatch(/^Running: \d+ of 16 cells scored/)
    expect(await page.locator('[data-testid=sweep-cell-pending]').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-testid=sweep-chart-psnr]').count()).toBe(1) // curves grow while it runs
    await screenshot(page, 'sweep-running')
    await page.locator('[data-testid=progress-sweep] button', { hasText: 'Cancel' }).click()
    await expect.poll(() => page.textContent('[data-testid=sweep-error]'), { timeout: workMs }).toMatch(/^sweep cancelled after \d+ of 16 cells — run the same sweep again to resume$/)
    expect(await page.isDisabled('[data-testid=sweep-run]')).toBe(false)
    cancelledAfter = Number(/after (\d+) of/.exec((await page.textContent('[data-testid=sweep-error]'))!)![1])
  })

  it('resumes the cancelled sweep when run again: the cells scored before come back at once, marked resumed', async () => {
    await page.click('[data-testid=sweep-run]')
    await expect.poll(() => page.textContent('[data-testid=sweep-resumed]').catch(() => ''), { timeout: workMs }).toBe(`· resumed: ${cancelledAfter} taken from an earlier run`)
    expect(await page.textContent('[data-testid=sweep-status]')).toMatch(/^Running: \d+ of 16 cells scored/)
    expect(await page.locator('[data-testid=sweep-cell-row]').count()).toBeGreaterThanOrEqual(cancelledAfter)
    await screenshot(page, 'sweep-resumed')
    await page.locator('[data-testid=progress-sweep] button', { hasText: 'Cancel' }).click()
    await expect.poll(() => page.textContent('[data-testid=sweep-error]'), { timeout: workMs }).toMatch(/^sweep cancelled after/)
    expect(existsSync(join(tmp, 'long.json.partial', 'journal.jsonl'))).toBe(true)
  })

  it('runs a small sweep: 4 scored cells with best marks and curves per ρ, saved as JSON', async () => {
    await page.fill('[data-testid=sweep-steps]', '2, 4')
    await page.fill('[data-testid=sweep-rho]', '1, 4')
    await page.fill('[data-testid=sweep-out]', out)
    expect(await page.textContent('[data-testid=sweep-run]')).toBe('Run sweep (4 cells)')
    await page.click('[data-testid=sweep-run]')
    await expect.poll(() => page.textContent('[data-testid=sweep-status]'), { timeout: workMs }).toMatch(/^Sweep: 4 of 4 cells scored · saved to /)
    expect(await page.locator('[data-testid=sweep-error]').count()).toBe(0)
    finishedPsnr = await psnrTexts(page)
    expect(finishedPsnr).toHaveLength(4)
    for (const text of finishedPsnr) expect(Number.isFinite(Number.parseFloat(text))).toBe(true)
    for (const metric of ['psnr', 'ssim', 'time']) {
      const chart = page.locator(`[data-testid=sweep-chart-${metric}]`)
      expect(await chart.getAttribute('data-series')).toBe('2') // one curve per ρ
      expect((await pixelStats(page, `[data-testid=sweep-chart-${metric}] canvas`)).std.some((s) => s > 5)).toBe(true)
    }
    for (const metric of ['psnr', 'ssim']) {
      expect(await page.textContent(`[data-testid=sweep-best-${metric}]`)).toMatch(/^★ best: steps [24], ρ [14] \(\d+\.\d+\)$/)
      expect(await page.locator(`[data-testid=sweep-table] td.best[data-metric=${metric}]`).count()).toBe(1)
    }
  })

  it('shows the image grid: originals and non-blank reconstructions of every cell', async () => {
    expect(await page.locator('[data-testid=sweep-image-pick] button').allTextContents()).toEqual(['val64_0000.png', 'val64_0001.png'])
    const original = await pixelStats(page, '[data-testid=sweep-original]')
    expect([original.width, original.height]).toEqual([32, 32])
    expect(Math.max(...original.std)).toBeGreaterThan(10) // a photo
    for (let cell = 0; cell < 4; cell++) {
      const recon = await pixelStats(page, `[data-testid=sweep-recon-${cell}]`)
      expect(recon.width).toBe(32)
      expect(Math.max(...recon.std)).toBeGreaterThan(1)
    }
    await page.click('[data-testid=sweep-image-1]')
    await page.locator('[data-testid=sweep-cell-row]').nth(2).click()
    expect(await page.locator('[data-testid=sweep-cell-images] img').count()).toBe(4) // 2 originals + 2 reconstructions
    expect(await page.locator('[data-testid=sweep-cell-images] figcaption').allTextContents()).toEqual(['val64_0000.png', 'val64_0001.png', 'cell 2', 'cell 2'])
    await page.click('[data-testid=sweep-protocol] summary')
    expect(JSON.parse((await page.textContent('[data-testid=sweep-protocol-json]'))!)).toMatchObject({ dataset: { nImages: 2 }, resolutionPx: 32 })
    expect(await page.textContent('[data-testid=sweep-timing-note]')).toMatch(/after one untimed warm-up decode/)
    await screenshot(page, 'sweep-finished')
  })

  it('saved the JSON in the contract shape: protocol and cells of steps, ρ, metrics', () => {
    const saved = JSON.parse(readFileSync(out, 'utf8'))
    expect(saved).toMatchObject({ format: 'flowmo-sweep', protocol: { dataset: { nImages: 2 } } })
    expect(saved.cells.map((c: { steps: number; rho: number }) => [c.steps, c.rho])).toEqual([[2, 1], [2, 4], [4, 1], [4, 4]])
    for (const c of saved.cells) expect(typeof c.metrics.psnr).toBe('number')
    expect(saved.cells.map((c: { metrics: { psnr: number } }) => c.metrics.psnr.toFixed(2))).toEqual(finishedPsnr.map((t) => t.replace(' ★', '')))
  })

  it('reopens the saved JSON through the view: the same cells and images; a non-sweep file is refused', async () => {
    writeFileSync(join(tmp, 'other.json'), JSON.stringify({ metrics: { psnr: 1 } }))
    await page.fill('[data-testid=sweep-open-path]', join(tmp, 'other.json'))
    await page.click('[data-testid=sweep-open]')
    await expect.poll(() => page.textContent('[data-testid=sweep-error]'), { timeout: workMs }).toMatch(/not a FlowMo sweep file: .*format must be "flowmo-sweep"/)
    await page.fill('[data-testid=sweep-open-path]', out)
    await page.click('[data-testid=sweep-open]')
    await expect.poll(() => page.textContent('[data-testid=sweep-status]'), { timeout: workMs }).toMatch(/^Sweep: 4 of 4 cells scored · opened /)
    expect(await page.locator('[data-testid=sweep-error]').count()).toBe(0)
    expect(await psnrTexts(page)).toEqual(finishedPsnr)
    expect(Math.max(...(await pixelStats(page, '[data-testid=sweep-recon-3]')).std)).toBeGreaterThan(1)
    await screenshot(page, 'sweep-reopened')
  })

  it('says why a sweep cannot run: a folder without images', async () => {
    mkdirSync(join(tmp, 'empty'))
    await page.fill('[data-testid=sweep-data]', join(tmp, 'empty'))
    await page.click('[data-testid=sweep-run]')
    await expect.poll(() => page.textContent('[data-testid=sweep-error]'), { timeout: workMs }).toMatch(/^sweep failed: no usable image/)
    expect(await page.locator('[data-testid=sweep-cell-row], [data-testid=sweep-cell-pending]').count()).toBe(0)
    expect(await page.isDisabled('[data-testid=sweep-run]')).toBe(false)
    expect(app.pageErrors).toEqual([])
  })
})
