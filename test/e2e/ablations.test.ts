// The ablation tables in Chromium against `flowmo serve`: two real `flowmo ablate` outputs of a tiny model (runAblation,
// as the CLI) listed from their parent folder, newest first; the chosen one in the paper's layout with the values and
// deltas of its table.json, the engine of each row and the protocol card; a row's "Open run" opens that run in the
// training dashboard. Screenshot: test-results/screenshots/training-ablations.png.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatMetric } from '../../src/shared/metrics'
import { runAblation } from '../../src/trainer/ablate/run-ablation'
import type { AblationTable } from '../../src/trainer/ablate/table'
import { variantById } from '../../src/trainer/ablate/variants'
import { initBackend } from '../../src/trainer/backend'
import { makeRunFixture, type RunFixture } from '../trainer/train/run-fixture'
import { tinyConfig } from '../trainer/train/tiny'
import { openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

let f: RunFixture
const study = (name: string, maxSteps: number, variants: string[]) => runAblation({
  data: f.data, val: f.data, preset: 'test-tiny', config: tinyConfig(), maxSteps, stage1bSteps: 1, seed: 1, batchSize: 2,
  perceptual: 'none', evalImages: 2, sampleSteps: 2, out: join(f.root, 'ablations', name), metrics: ['psnr', 'ssim'], inferencePath: 'tfjs',
  variants: variants.map(variantById),
})

describe('ablation tables in the Training section', () => {
  let app: AppSession
  let table: AblationTable

  beforeAll(async () => {
    await initBackend()
    f = await makeRunFixture(4)
    table = await study('study-a', 2, ['fsq', 'no-guidance'])
    await study('study-b', 1, ['unshifted-sampler']) // written last: listed first
    app = await openApp({ backend: 'cpu', allow: [projectRoot, f.root] })
    await app.page.setViewportSize({ width: 1280, height: 900 })
    await app.page.click('[data-testid=section-training]')
  }, 240_000)
  afterAll(async () => {
    await app?.close()
    rmSync(f.root, { recursive: true, force: true })
  })

  it("lists the folder's ablate outputs and shows one in the paper's layout with its deltas, engines and protocol", async () => {
    const page = app.page
    await page.click('[data-testid=train-ablations]')
    await page.fill('[data-testid=ablations-folder]', join(f.root, 'ablations'))
    await page.click('[data-testid=ablations-list]')
    const outputs = page.locator('[data-testid=ablation-output]')
    await expect.poll(() => outputs.count(), { timeout: 15_000 }).toBe(2)
    expect(await outputs.allTextContents()).toEqual(['study-b · test-tiny, 1 steps, 2 rows', 'study-a · test-tiny, 2 steps, 3 rows'])
    expect(await page.getAttribute('[data-testid=ablation-output-view]', 'data-dir')).toMatch(/study-b$/) // the newest first
    await outputs.nth(1).click()
    await expect.poll(() => page.getAttribute('[data-testid=ablation-output-view]', 'data-dir')).toMatch(/study-a$/)

    const rows = page.locator('[data-testid=ablation-table-4] [data-testid=ablation-row]')
    expect(await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-id')))).toEqual(['baseline', 'fsq', 'no-guidance'])
    for (const [i, row] of table.rows.entries()) {
      const psnr = (await rows.nth(i).locator('[data-testid=ablation-cell-psnr]').textContent())!.replace(/\s+/g, ' ').trim()
      const d = row.deltas.psnr
      expect(psnr).toBe(i === 0 ? formatMetric('psnr', row.metrics.psnr) : `${formatMetric('psnr', row.metrics.psnr)} (${d >= 0 ? '+' : '−'}${formatMetric('psnr', Math.abs(d))})`)
      expect(await rows.nth(i).locator('[data-testid=ablation-engine]').textContent()).toBe(row.engine)
    }
    expect(table.rows.map((r) => r.engine)).toEqual(['onnxruntime', 'onnxruntime', 'onnxruntime']) // auto picks it for every Stage-1A run
    expect(await page.locator('[data-testid=ablation-table-3]').count()).toBe(0) // no continuous row
    const card = await page.textContent('[data-testid=ablation-protocol]')
    expect(card).toContain(`eval the first 2 images of ${f.data}`)
    expect(card).toContain('Stage 1A: 2 steps per row at batch 2, seed 1, perceptual none')
    expect(JSON.parse(readFileSync(join(f.root, 'ablations', 'study-a', 'table.json'), 'utf8')).rows).toHaveLength(3)
    await screenshot(page, 'training-ablations')
  })

  it("opens a row's run in the training dashboard", async () => {
    const page = app.page
    await page.locator('[data-testid=ablation-table-4] [data-testid=ablation-row][data-id=fsq] [data-testid=ablation-open-run]').click()
    await expect.poll(() => page.getAttribute('[data-testid=run-dashboard]', 'data-run'), { timeout: workMs }).toBe('fsq')
    expect(await page.getAttribute('[data-testid=run-item]', 'data-dir')).toBe(join(f.root, 'ablations', 'study-a', 'runs', 'fsq'))
    expect(app.pageErrors).toEqual([])
  })
})
