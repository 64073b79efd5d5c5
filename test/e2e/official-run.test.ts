// An official trainer run folder (config.yaml, checkpoints/<step:08d>.pth, TensorBoard event files from the independent
// Python writer, flowmo watch's metrics.jsonl) opened in the Training section in Chromium: its loss curve and the
// watch's PSNR plot like one of our runs, the watch's sample grids fill the sample slider, and the header says it is an
// official run (read-only, watched) with no Resume / Continue. Screenshot: test-results/screenshots/training-official-run.png.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { runTorch } from '../fixtures/torch/python-torch'
import { writerPy } from '../fixtures/torch/tb-writer'
import { openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

const root = mkdtempSync(join(tmpdir(), 'flowmo-official-ui-'))
const run = join(root, 'results', 'exp')
const steps = Array.from({ length: 40 }, (_, i) => (i + 1) * 100)

describe('an official run folder in the Training section', () => {
  let app: AppSession

  beforeAll(async () => {
    mkdirSync(join(run, 'checkpoints'), { recursive: true })
    mkdirSync(join(run, 'flowmo-eval', 'samples'), { recursive: true })
    for (const [k, step] of [2000, 4000].entries()) { // flowmo watch's grids: 2 images of 32 px, originals over reconstructions
      await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 40 + 100 * k, g: 90, b: 160 } } }).png()
        .toFile(join(run, 'flowmo-eval', 'samples', `step-00${step}.png`))
    }
    copyFileSync(join(goldenDir(), 'tiny-a', 'checkpoint.pth'), join(run, 'checkpoints', '00002000.pth'))
    writeFileSync(join(run, 'config.yaml'), 'global_seed: 0\nmodel:\n  context_dim: 18\n')
    const points = steps.flatMap((step) => [
      { tag: 'diffusion_loss', step, wall: 1.7e9 + step, value: 0.6 + 0.4 * Math.exp(-step / 800) },
      { tag: 'total_loss', step, wall: 1.7e9 + step, value: 0.7 + 0.4 * Math.exp(-step / 800) },
    ])
    writeFileSync(join(root, 'spec.json'), JSON.stringify([{ path: join(run, 'events.out.tfevents.1700000000.node.1.0'), start: 1.7e9, points }]))
    runTorch(writerPy, [join(root, 'spec.json')])
    writeFileSync(join(run, 'flowmo-eval', 'metrics.jsonl'), [2000, 4000].map((step, k) =>
      `${JSON.stringify({ step, checkpoint: '', report: '', metrics: { psnr: 18 + k, ssim: 0.4 + k / 10 }, evaluatedAt: '' })}\n`).join(''))
    app = await openApp({ backend: 'cpu', allow: [projectRoot, root] })
    await app.page.setViewportSize({ width: 1280, height: 900 })
    await app.page.click('[data-testid=section-training]')
  })
  afterAll(() => app?.close())

  it('plots its TensorBoard losses, the watch\'s validation and samples like our runs; read-only: no Resume / Continue', async () => {
    const page = app.page
    await page.fill('[data-testid=history-folder]', run)
    await page.click('[data-testid=history-open]')
    await expect.poll(() => page.getAttribute('[data-testid=run-dashboard]', 'data-run'), { timeout: workMs }).toBe('exp')
    await expect.poll(() => page.getAttribute('[data-testid=loss-chart-flow_loss]', 'data-points'), { timeout: workMs }).toBe(String(steps.length))
    expect(await page.getAttribute('[data-testid=loss-chart-total_loss]', 'data-points')).toBe(String(steps.length))
    expect(await page.getAttribute('[data-testid=run-official]', 'data-watched')).toBe('true')
    expect(await page.textContent('[data-testid=run-official]')).toMatch(/Official run · read-only.*watched/)
    for (const control of ['run-resume', 'run-pause', 'run-stop', 'run-continue-form']) expect(await page.locator(`[data-testid=${control}]`).count(), control).toBe(0)
    await expect.poll(() => page.getAttribute('[data-testid=sample-canvas]', 'data-step'), { timeout: workMs }).toBe('4000') // the latest grid
    expect(await page.getAttribute('[data-testid=sample-step]', 'max')).toBe('1') // two checkpoints' samples
    await screenshot(page, 'training-official-run')
    expect(app.pageErrors).toEqual([])
  })
})
