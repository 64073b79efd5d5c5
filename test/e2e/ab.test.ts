// A/B in the inspector, in Chromium against `flowmo serve`: the bundled model as A, B first the same file under another
// name (same noise: A − B is exactly zero), then a second checkpoint (one decoder weight scaled): A, B, |A − B| (its
// mean recomputed from the panes' pixels), blink by key press, one zoom for every pane, the trajectory (state 0, the
// noise, equal for A and B) and variance; then tiny-a as B (another
// size and code length): the notes say which views cannot compare. Screenshots: test-results/screenshots/ab*.png.
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { bundledCheckpoint, writeSecondCheckpoint } from '../fixtures/models/second-checkpoint'
import { openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-ab-e2e-'))

interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }
}

/** RGB values of a canvas, read in the page. */
function canvasRgb(page: Page, testid: string): Promise<number[]> {
  return page.evaluate((testid) => {
    const doc = (globalThis as unknown as { document: { querySelector(selector: string): CanvasLike } }).document
    const canvas = doc.querySelector(`[data-testid="${testid}"]`)
    return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data).filter((_, i) => i % 4 !== 3)
  }, testid)
}

async function openB(page: Page, path: string, config = ''): Promise<void> {
  await page.fill('[data-testid=ab-path]', path)
  await page.fill('[data-testid=ab-config]', config)
  await page.click('[data-testid=ab-open]')
  await expect.poll(() => page.textContent('[data-testid=ab-models]'), { timeout: workMs }).toContain(`B: ${path.split('/').pop()}`)
}

/** Runs the current mode with A and B and waits for the job to end and `shown` to be on the page. */
async function reconstructBoth(page: Page, shown = '[data-testid=ab-metrics]'): Promise<void> {
  await page.click('[data-testid=ab-run]')
  await expect.poll(() => page.isDisabled('[data-testid=ab-run]'), { timeout: workMs }).toBe(false)
  await page.locator(shown).waitFor({ timeout: workMs })
}

describe('A/B in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    copyFileSync(bundledCheckpoint, join(tmp, 'same.safetensors'))
    await writeSecondCheckpoint(join(tmp, 'scaled.safetensors'))
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tinyA, tmp] })
    page = app.page
  })
  afterAll(() => app?.close())

  it('opens the bundled model as A and the same weights under another name as B', async () => {
    await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs })
    await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0)
    await page.fill('[data-testid=steps]', '2')
    await page.click('[data-testid=tab-ab]')
    await openB(page, join(tmp, 'same.safetensors'))
  })

  it('reconstructs with both: the same noise, so A − B is exactly zero', async () => {
    await reconstructBoth(page)
    expect(await canvasRgb(page, 'ab-b')).toEqual(await canvasRgb(page, 'ab-a'))
    expect(Number(await page.getAttribute('[data-testid=ab-diff-numbers]', 'data-mean'))).toBe(0)
  })

  it('the bit sensitivity of the same weights: the same ΔPSNR per bit, so the same colours on the shared scale', async () => {
    await page.check('[data-testid=ab-mode-bitmap]')
    await page.fill('[data-testid=ab-subset]', '4')
    await reconstructBoth(page, '[data-testid=ab-atlas-B]')
    expect(await canvasRgb(page, 'ab-atlas-B')).toEqual(await canvasRgb(page, 'ab-atlas-A'))
    expect(new Set(await canvasRgb(page, 'ab-atlas-A')).size).toBeGreaterThan(2) // 4 coloured cells among grey
    await screenshot(page, 'ab-bitmap')
    await page.check('[data-testid=ab-mode-reconstruction]')
  })

  it('B = a second checkpoint: A, B and |A − B| (mean as recomputed from the panes), blink by key, one zoom', async () => {
    await openB(page, join(tmp, 'scaled.safetensors'))
    await reconstructBoth(page)
    const [a, b] = [await canvasRgb(page, 'ab-a'), await canvasRgb(page, 'ab-b')]
    expect(b).not.toEqual(a)
    let sum = 0
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]) / 255
    expect(Number(await page.getAttribute('[data-testid=ab-diff-numbers]', 'data-mean'))).toBeCloseTo(sum / a.length, 5)
    expect(await canvasRgb(page, 'ab-blink-pane')).toEqual(a)
    await page.keyboard.press('b')
    expect(await page.textContent('[data-testid=ab-blink]')).toContain('showing B')
    expect(await canvasRgb(page, 'ab-blink-pane')).toEqual(b)
    await page.locator('[role=img][aria-label="A: reconstruction"]').hover()
    await page.mouse.wheel(0, -400)
    const transform = (id: string) => page.getAttribute(`[data-testid=${id}]`, 'style')
    const zoomed = await transform('ab-a')
    expect(zoomed).toMatch(/transform: matrix|transform: translate|scale/)
    for (const id of ['ab-b', 'ab-diff', 'ab-blink-pane']) expect(await transform(id)).toBe(zoomed)
    await page.dblclick('[role=img][aria-label="A: reconstruction"]')
    await screenshot(page, 'ab')
  })

  it('trajectory: A and B start from the same noise (state 0 equal), then part; variance: std maps on one scale', async () => {
    await page.check('[data-testid=ab-mode-trajectory]')
    await reconstructBoth(page, '[data-testid=ab-step]')
    const last = Number(await page.getAttribute('[data-testid=ab-step]', 'max'))
    expect(last).toBe(2) // 2 steps: the noise, one intermediate state, the sample
    expect(await canvasRgb(page, 'ab-b')).not.toEqual(await canvasRgb(page, 'ab-a'))
    await page.fill('[data-testid=ab-step]', '0')
    expect(await canvasRgb(page, 'ab-b')).toEqual(await canvasRgb(page, 'ab-a'))
    expect(Number(await page.getAttribute('[data-testid=ab-diff-numbers]', 'data-mean'))).toBe(0)
    await page.check('[data-testid=ab-mode-variance]')
    await page.fill('[data-testid=ab-k]', '2')
    await reconstructBoth(page, '[data-testid=ab-diff-numbers]')
    expect(Number(await page.getAttribute('[data-testid=ab-diff-numbers]', 'data-mean'))).toBeGreaterThan(0)
    expect(await page.textContent('[data-testid=ab-view]')).toContain('A: std over 2 samples')
    await screenshot(page, 'ab-variance')
    await page.check('[data-testid=ab-mode-reconstruction]')
  })

  it('B of another size and code length: both reconstruct, no A − B map, the notes say why', async () => {
    await openB(page, join(tinyA, 'checkpoint.pth'), join(tinyA, 'config.json'))
    expect(await page.textContent('[data-testid=ab-size-note]')).toContain('different sizes (64 and 32 px)')
    expect(await page.textContent('[data-testid=ab-code-note]')).toContain('show A only')
    await page.check('[data-testid=ab-mode-bitmap]')
    expect(await page.textContent('[data-testid=ab-bitmap-note]')).toContain('needs one code length')
    expect(await page.isDisabled('[data-testid=ab-run]')).toBe(true)
    await page.check('[data-testid=ab-mode-reconstruction]')
    await reconstructBoth(page)
    expect(await page.locator('[data-testid=ab-diff]').count()).toBe(0) // the pane stays empty
    expect(await page.locator('[data-testid=ab-row-B]').count()).toBe(1)
    await screenshot(page, 'ab-sizes')
    expect(app.pageErrors).toEqual([])
  })
})
