// The Compare section in Chromium against `flowmo serve`: the golden tiny-a model beside JPEG and WebP at its bit
// rate on two real photos, then the codecs alone at a typed rate, then an ONNX tokenizer, then the offline proxy FID.
// Asserts on tiles (pixels, labels, the codecs' matched window, one shared zoom), the scatter (PSNR and FID axes), the
// unavailable rFID and the grid export; screenshots test-results/screenshots/compare-*.png.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { writeTinyTokenizer } from '../fixtures/baselines/tiny-tokenizer'
import { bundledCheckpoint, writeSecondCheckpoint } from '../fixtures/models/second-checkpoint'
import { callEngine, openApp, pixelStats, projectRoot, screenshot, screenshotDir, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const config = JSON.parse(readFileSync(join(tinyA, 'config.json'), 'utf8')) as { model: { code_length: number; context_dim: number }; data: { image_size: number } }
const sizePx = config.data.image_size
const modelBpp = (config.model.code_length * config.model.context_dim) / sizePx ** 2 // L tokens × C bits over S² pixels

interface Tile {
  method: string
  bpp: number
  target: number
  below: number | null
  above: number | null
  psnr: number
  label: string
  scores: string
}

/** Every labelled tile of the grid, as its data attributes and captions say. */
function tiles(page: Page): Promise<Tile[]> {
  return page.$$eval('[data-testid=compare-tile][data-bpp]', (nodes) =>
    nodes.map((n) => {
      const num = (name: string) => (n.getAttribute(name) === null ? null : Number(n.getAttribute(name)))
      const text = (id: string) => n.querySelector(`[data-testid=${id}]`)?.textContent ?? ''
      return { method: n.getAttribute('data-method')!, bpp: num('data-bpp')!, target: num('data-target')!, below: num('data-below'), above: num('data-above'), psnr: num('data-psnr')!, label: text('tile-bpp'), scores: text('tile-scores') }
    }),
  )
}

/** A codec tile shows its actual BPP, which is the closer end of the probed window around the report's target. */
function expectMatched(tile: Tile, target: number): void {
  expect(tile.target).toBeCloseTo(target, 12)
  expect(tile.label.startsWith(`${tile.bpp.toFixed(4)} bpp · q`)).toBe(true)
  expect([tile.below, tile.above]).toContain(tile.bpp)
  if (tile.below !== null) expect(tile.below).toBeLessThanOrEqual(target)
  if (tile.above !== null) expect(tile.above).toBeGreaterThanOrEqual(target)
  const distances = [tile.below, tile.above].filter((b) => b !== null).map((b) => Math.abs(b - target))
  expect(Math.abs(tile.bpp - target)).toBe(Math.min(...distances))
}

/** The report's target rate: shown with 4 decimals, the full value as data-bpp. */
async function reportedTarget(page: Page): Promise<number> {
  const shown = page.locator('[data-testid=compare-target]')
  const target = Number(await shown.getAttribute('data-bpp'))
  expect(await shown.textContent()).toBe(target.toFixed(4))
  return target
}

async function run(page: Page, methods: number): Promise<void> {
  await page.click('[data-testid=compare-run]')
  await expect.poll(() => page.locator('[data-testid=compare-summary-row]').count(), { timeout: workMs }).toBe(methods)
  await expect.poll(() => page.locator('[data-testid=progress-compare]').count(), { timeout: workMs }).toBe(0) // rows of the last run may still show
}

describe('compare in Chromium', () => {
  let app: AppSession
  let page: Page
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowmo-compare-e2e-'))
    for (const f of ['val64_0003.png', 'val64_0007.png']) copyFileSync(join(photos, f), join(dir, f))
    await writeTinyTokenizer(join(dir, 'tokenizer')) // the ONNX contract's fixture, at tiny-a's size
    app = await openApp({ backend: 'cpu', allow: [projectRoot, tinyA, dir] })
    page = app.page
    await page.click('[data-testid=section-compare]')
  })
  afterAll(() => app?.close())

  it('says what is missing before it runs', async () => {
    const bundled = await callEngine(page, 'bundled', undefined)
    if (bundled.models.length) await expect.poll(() => page.inputValue('[data-testid=compare-model]'), { timeout: workMs }).toBe(bundled.models[0]) // the inspector's model is the default
    await page.fill('[data-testid=compare-model]', '')
    await page.uncheck('[data-testid=compare-method-flowmo]')
    await page.fill('[data-testid=compare-images]', join(dir, 'val64_0003.png'))
    await page.click('[data-testid=compare-run]')
    expect(await page.textContent('[data-testid=compare-error]')).toBe('codecs alone need a target BPP: type one, or give a model or an ONNX tokenizer')
  })

  it('compares the tiny-a model with JPEG and WebP at its BPP: tiles, labels, matched window, shared zoom, scatter', async () => {
    await page.fill('[data-testid=compare-model]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=compare-config]', join(tinyA, 'config.json'))
    await expect.poll(() => page.textContent('[data-testid=compare-model-summary]'), { timeout: workMs }).toContain(`${modelBpp.toFixed(4)} bpp`)
    await page.fill('[data-testid=compare-images]', ['val64_0003.png', 'val64_0007.png'].map((f) => join(dir, f)).join('\n'))
    for (const m of ['flowmo', 'jpeg', 'webp']) await page.check(`[data-testid=compare-method-${m}]`)
    await page.uncheck('[data-testid=compare-method-avif]')
    await run(page, 3)
    const target = await reportedTarget(page)
    expect(target).toBeCloseTo(modelBpp, 12)
    for (const id of ['original', 'flowmo', 'jpeg', 'webp']) {
      for (const i of [0, 1]) {
        const stats = await pixelStats(page, `[data-testid=compare-${id}-${i}]`)
        expect([stats.width, stats.height]).toEqual([sizePx, sizePx])
        expect(Math.max(...stats.std)).toBeGreaterThan(3) // drawn, not blank
      }
    }
    const labelled = await tiles(page)
    expect(labelled.map((t) => t.method)).toEqual(['FlowMo tiny-a', 'JPEG', 'WebP', 'FlowMo tiny-a', 'JPEG', 'WebP'])
    for (const t of labelled) {
      expect(Number.isFinite(t.psnr)).toBe(true)
      expect(t.scores).toMatch(/^PSNR \d+\.\d\d dB · SSIM -?\d\.\d{3}$/)
      if (t.method === 'FlowMo tiny-a') expect(t.label).toBe(`${modelBpp.toFixed(4)} bpp`)
      else expectMatched(t, target)
    }
    await page.locator('[role=img][aria-label=JPEG]').first().hover()
    await page.mouse.wheel(0, -400)
    const transforms = await page.$$eval('[data-testid=compare-grid] canvas', (cs) => cs.map((c) => (c as unknown as { style: { transform: string } }).style.transform))
    expect(transforms).toHaveLength(8)
    expect(transforms[0]).toMatch(/scale\((?!1\))/)
    expect(new Set(transforms).size).toBe(1)
    const points = await page.$$eval('[data-testid=scatter-point]', (gs) => gs.map((g) => g.getAttribute('data-method')))
    expect(points).toEqual(['flowmo', 'jpeg', 'webp'])
    expect(await page.locator('[data-testid=compare-file]').allTextContents()).toEqual(['val64_0003.png', 'val64_0007.png'])
    // a codec that cannot go down to the model's rate is flagged in the scatter as the tiles say, and the legend says so
    const matches = await page.$$eval('[data-testid=compare-tile][data-bpp]', (ns) => ns.map((n) => [n.getAttribute('data-method'), n.querySelector('[data-testid=tile-match]')?.textContent ?? '']))
    const floored = (method: string) => matches.filter(([m, match]) => m === method && match.startsWith('floor')).length
    const floors = await page.$$eval('[data-testid=scatter-point]', (gs) => gs.map((g) => Number(g.getAttribute('data-floors'))))
    expect(floors).toEqual([0, floored('JPEG'), floored('WebP')])
    expect(floored('JPEG')).toBe(2) // 0.094 bpp is far below any 64 px JPEG
    expect(await page.locator('[data-testid=scatter-image-floor]').count()).toBe(floored('JPEG') + floored('WebP'))
    expect(await page.textContent('[data-testid=compare-scatter] [data-method=jpeg] text')).toBe('JPEG ⚑')
    expect(await page.textContent('[data-testid=scatter-floor-note]')).toMatch(/floor — even its lowest quality is above the target rate/)
    await screenshot(page, 'compare-flowmo-codecs')
    await page.click('[data-testid=compare-reset-view]')
  })

  it('exports the grid as a PNG with one tile per method and image', async () => {
    const download = page.waitForEvent('download')
    await page.click('[data-testid=compare-export]')
    const file = await download
    expect(file.suggestedFilename()).toBe('compare-grid.png')
    const path = join(screenshotDir, 'compare-export-grid.png')
    await file.saveAs(path)
    const { width, height } = await sharp(path).metadata()
    expect(width).toBeGreaterThan(height!) // 4 columns, 2 rows
    const stats = await sharp(path).stats()
    expect(stats.channels[0].stdev).toBeGreaterThan(10)
  })

  it('compares the codecs alone at a typed target BPP and size', async () => {
    await page.uncheck('[data-testid=compare-method-flowmo]')
    await page.fill('[data-testid=compare-target-bpp]', '1.0')
    await page.fill('[data-testid=compare-size]', '64')
    await run(page, 2)
    const target = await reportedTarget(page)
    expect(target).toBe(1)
    expect((await pixelStats(page, '[data-testid=compare-jpeg-1]')).width).toBe(64)
    const labelled = await tiles(page)
    expect(labelled.map((t) => t.method)).toEqual(['JPEG', 'WebP', 'JPEG', 'WebP'])
    for (const t of labelled) expectMatched(t, target)
    expect(await page.locator('[data-testid=scatter-point]').count()).toBe(2)
    await screenshot(page, 'compare-codecs-at-1bpp')
  })

  it('compares FlowMo with an ONNX tokenizer folder, the codecs matched to the model', async () => {
    const spec = JSON.parse(readFileSync(join(dir, 'tokenizer', 'tokenizer.json'), 'utf8')) as { name: string; tokenCount: number; vocabSize: number; imageSize: number }
    const tokenizerBpp = (spec.tokenCount * Math.log2(spec.vocabSize)) / spec.imageSize ** 2
    await page.check('[data-testid=compare-method-flowmo]')
    await page.uncheck('[data-testid=compare-method-jpeg]')
    await page.fill('[data-testid=compare-target-bpp]', '')
    await page.fill('[data-testid=compare-size]', '')
    await page.click('[data-testid=compare-add-onnx]')
    await page.fill('[data-testid=compare-tokenizer-0]', join(dir, 'tokenizer'))
    await run(page, 3)
    expect(await reportedTarget(page)).toBeCloseTo(modelBpp, 12)
    const labelled = await tiles(page)
    expect(labelled.map((t) => t.method).slice(0, 3)).toEqual(['FlowMo tiny-a', 'WebP', spec.name])
    for (const t of labelled.filter((t) => t.method === spec.name)) expect(t.label).toBe(`${tokenizerBpp.toFixed(4)} bpp`)
    expect((await pixelStats(page, `[data-testid=compare-onnx-${spec.name}-1]`)).width).toBe(sizePx)
    expect(await page.locator('[data-testid=scatter-point]').count()).toBe(3)
    await screenshot(page, 'compare-flowmo-onnx')
  })

  it('adds the offline proxy FID: a column, one point per method on the FID axis; rFID without weights says which file', async () => {
    mkdirSync(join(dir, 'no-weights'))
    await page.check('[data-testid=compare-metric-fid]')
    await page.check('[data-testid=compare-metric-fid-proxy]')
    await page.fill('[data-testid=compare-weights]', join(dir, 'no-weights'))
    await run(page, 3)
    const rfid = page.locator('[data-testid=compare-unavailable][data-metric=fid]')
    expect(await rfid.textContent()).toMatch(/^rFID did not run: rFID\/KID needs pt_inception-2015-12-05-6726825d\.pth/)
    expect(await page.textContent('[data-testid=compare-column-fid_proxy]')).toBe('proxy FID')
    expect(await page.locator('[data-testid=compare-column-fid]').count()).toBe(0)
    expect(await page.textContent('[data-testid=compare-networks]')).toMatch(/^networks: proxy: MobileNetV2/)
    const values = await page.$$eval('[data-testid=compare-summary-row] td[data-metric=fid_proxy]', (tds) => tds.map((td) => Number(td.getAttribute('data-value'))))
    expect(values).toHaveLength(3)
    for (const v of values) expect(v).toBeGreaterThan(0)
    expect(await page.getAttribute('[data-testid=scatter-axis-fid]', 'title')).toMatch(/pt_inception/)
    expect(await page.isDisabled('[data-testid=scatter-axis-fid]')).toBe(true)
    await page.click('[data-testid=scatter-axis-fid_proxy]')
    expect(await page.getAttribute('[data-testid=compare-scatter]', 'data-y')).toBe('fid_proxy')
    expect(await page.textContent('[data-testid=scatter-y-label]')).toMatch(/^proxy FID ↓ lower is better/)
    const points = await page.$$eval('[data-testid=scatter-point]', (gs) => gs.map((g) => Number(g.getAttribute('data-y'))))
    expect(points).toEqual(values)
    expect(await page.textContent('[data-testid=scatter-warning]')).toMatch(/^2 images ≤ 1280 features/)
    await screenshot(page, 'compare-proxy-fid')
    await page.click('[data-testid=scatter-axis-psnr]')
    expect(await page.locator('[data-testid=compare-scatter] circle[opacity]').count()).toBe(6) // one faint point per image again
    expect(app.pageErrors).toEqual([])
  })

  it('compares two FlowMo checkpoints (A/B) with JPEG: a tile, a summary row and a scatter point each', async () => {
    await writeSecondCheckpoint(join(dir, 'scaled.safetensors'))
    for (const m of ['fid', 'fid-proxy']) await page.uncheck(`[data-testid=compare-metric-${m}]`)
    await page.fill('[data-testid=compare-model]', join(projectRoot, bundledCheckpoint))
    await page.fill('[data-testid=compare-config]', '')
    await page.fill('[data-testid=compare-images]', join(dir, 'val64_0003.png'))
    if (await page.locator('[data-testid=compare-tokenizer-0-remove]').count() > 0) await page.click('[data-testid=compare-tokenizer-0-remove]')
    await page.check('[data-testid=compare-method-jpeg]')
    await page.uncheck('[data-testid=compare-method-webp]')
    await page.fill('[data-testid=compare-steps]', '2')
    await page.click('[data-testid=compare-add-checkpoint]')
    await page.fill('[data-testid=compare-checkpoint-0-label]', '1B')
    await page.fill('[data-testid=compare-checkpoint-0]', join(dir, 'scaled.safetensors'))
    await page.click('[data-testid=compare-run]') // two 64² models on the cpu backend: slower than the runs above
    await expect.poll(async () => (await tiles(page)).map((t) => t.method).slice(0, 3), { timeout: 200_000 }).toEqual(['FlowMo photo-64', 'FlowMo 1B', 'JPEG'])
    const labelled = await tiles(page)
    const [a, b] = labelled
    expect(a.bpp).toBe(b.bpp)
    expect(a.psnr).not.toBe(b.psnr) // different decoders on the same noise
    expect(await page.locator('[data-testid=scatter-point]').count()).toBe(3)
    await screenshot(page, 'compare-two-checkpoints')
    expect(app.pageErrors).toEqual([])
  }, 300_000)
})
