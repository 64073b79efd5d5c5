// The inspector in Chromium against `flowmo serve`: open the golden tiny-a checkpoint and a photo (uploaded through
// the page), reconstruct, zoom the panes together, sample variance, flip bits, scrub the trajectory. Asserts on the
// DOM and on canvas pixels; screenshots go to test-results/screenshots/inspector-*.png.
import { basename, join } from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { callEngine, openApp, projectRoot, screenshot, screenshotDir, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const photo = join(projectRoot, 'test/fixtures/images/pipeline/photo.jpg')

/** The page's canvas as far as these tests read it (the test side compiles without the DOM types). */
interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }
}

/** RGB values of a canvas (alpha dropped), read in the page. */
function canvasRgb(page: Page, testid: string): Promise<number[]> {
  return page.evaluate((testid) => {
    const doc = (globalThis as unknown as { document: { querySelector(selector: string): CanvasLike } }).document
    const canvas = doc.querySelector(`[data-testid="${testid}"]`)
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    return Array.from(data).filter((_, i) => i % 4 !== 3)
  }, testid)
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length
const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)))

describe('inspector in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tinyA] })
    page = app.page
  })
  afterAll(() => app?.close())

  it('opens the bundled model at startup when the app ships one, else asks for a checkpoint', async () => {
    const bundled = await callEngine(page, 'bundled', undefined)
    if (bundled.models.length === 0) {
      expect(await page.textContent('[data-testid=empty-hint]')).toMatch(/Open a checkpoint/)
      expect(await page.locator('[data-testid=model-summary]').count()).toBe(0)
    } else {
      await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs })
      expect(await page.textContent('[data-testid=model-summary] h3')).toBe(basename(bundled.models[0]))
      await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0)
      expect(await page.inputValue('[data-testid=model-path]')).toBe(bundled.models[0]) // the field names the open model
    }
  })

  it('opens a checkpoint by path and an uploaded photo; shows config, parameters, BPP, backend', async () => {
    await page.fill('[data-testid=model-path]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=config-path]', join(tinyA, 'config.json'))
    await page.click('[data-testid=open-model]')
    // the bundled model may already be open: wait for the summary of the new one
    await expect.poll(() => page.textContent('[data-testid=summary-code]'), { timeout: workMs }).toBe('16 tokens × 6 bits (G 3)')
    expect(await page.textContent('[data-testid=summary-bits-per-pixel]')).toBe('0.0938')
    expect(await page.textContent('[data-testid=summary-parameters]')).toBe('1.50 M')
    expect(await page.textContent('[data-testid=summary-backend]')).toBe('wasm')
    const shipped = await page.locator('.thumb img').count() // the bundled sample photos, when the app ships them
    await page.setInputFiles('[data-testid=image-input]', photo)
    await expect.poll(() => page.locator('.thumb img').count(), { timeout: workMs }).toBe(shipped + 1)
    await page.fill('[data-testid=steps]', '3') // t = 1, 0.198, 0.012: guidance at one step
  })

  it('browses the allowed folders and opens every image of one', async () => {
    const opened = await page.locator('.thumb img').count()
    await page.getByRole('button', { name: 'Browse' }).click()
    await page.getByRole('button', { name: `▸ ${projectRoot.replace(/\/$/, '')}`, exact: true }).click()
    for (const dir of ['test', 'fixtures', 'images', 'pipeline']) await page.getByRole('button', { name: `▸ ${dir}`, exact: true }).click()
    const open = page.locator('[data-testid=open-folder-images]')
    const count = Number((await open.textContent())!.match(/\d+/)![0])
    expect(count).toBeGreaterThan(3)
    await open.click()
    await expect.poll(() => page.locator('.thumb img').count(), { timeout: workMs }).toBe(opened + count)
    expect(await page.locator('[data-testid=open-error]').count()).toBe(0)
    await page.locator('.thumb').first().click() // the uploaded photo stays the one inspected
  })

  it('reconstructs: three panes, metrics, zoom and pan shared by the panes', async () => {
    await page.click('[data-testid=reconstruct]')
    await page.locator('[data-testid=psnr]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=psnr]')).toMatch(/^\d+\.\d\d dB$/)
    expect(await page.textContent('[data-testid=lpips]')).toMatch(/^(\d\.\d{4}|needs weights.*)$/) // the row is labelled LPIPS once
    const [original, recon, error] = await Promise.all(['original', 'reconstruction', 'error-map'].map((id) => canvasRgb(page, id)))
    expect(original.length).toBe(32 * 32 * 3)
    expect(std(original)).toBeGreaterThan(10) // a photo, not a flat field
    expect(mean(original.map((v, i) => Math.abs(v - recon[i])))).toBeGreaterThan(1) // random weights: far from the photo
    expect(std(error)).toBeGreaterThan(1)
    const pane = page.locator('[role=img][aria-label=reconstruction]')
    await pane.hover()
    await page.mouse.wheel(0, -400)
    const transforms = await page.$$eval('.viewport canvas', (cs) => cs.slice(0, 3).map((c) => /transform: ([^;]*)/.exec(c.getAttribute('style') ?? '')?.[1]))
    expect(transforms[0]).toMatch(/scale\((?!1\))/)
    expect(new Set(transforms).size).toBe(1)
    await screenshot(page, 'inspector-reconstruction')
    await page.dblclick('[role=img][aria-label=reconstruction]')
  })

  it('another thumbnail shows its own original at once and none of the previous reconstruction; names under thumbnails', async () => {
    const names = await page.locator('[data-testid=thumb-name]').allTextContents()
    expect(names).toContain('photo.jpg')
    const before = await canvasRgb(page, 'original')
    const psnr = await page.textContent('[data-testid=psnr]')
    await page.locator('.thumb').nth(1).click()
    await expect.poll(() => page.locator('[data-testid=psnr]').count()).toBe(0)
    expect(await page.locator('[data-testid=reconstruction]').count()).toBe(0) // the pane is empty, not the old image
    await expect.poll(async () => (await canvasRgb(page, 'original').catch(() => before)).join() !== before.join(), { timeout: workMs }).toBe(true)
    expect((await canvasRgb(page, 'original')).length).toBe(32 * 32 * 3) // at the model size before any decode
    await expect.poll(() => page.textContent('[data-testid=resize-note]')).toMatch(/resized \(shorter side\) and centre-cropped to the model's 32×32/)
    await screenshot(page, 'inspector-other-thumbnail')
    await page.locator('.thumb').first().click() // back: its reconstruction is still there
    await expect.poll(() => page.textContent('[data-testid=psnr]')).toBe(psnr)
    expect(await canvasRgb(page, 'original')).toEqual(before)
  })

  it('colours |error| on a fixed scale when asked, so the maps of two images compare', async () => {
    const own = await canvasRgb(page, 'error-map')
    const ownMax = Number((await page.locator('[data-testid=legend] .ticks span').last().textContent())!.trim())
    expect(ownMax).toBeLessThan(1)
    await page.selectOption('[data-testid=error-scale]', { label: 'fixed 0–1' })
    await expect.poll(async () => mean(await canvasRgb(page, 'error-map'))).toBeLessThan(mean(own)) // the same errors on a wider scale: darker
    expect(await page.locator('[data-testid=legend] .ticks span').last().textContent()).toBe('1.00')
    await page.selectOption('[data-testid=error-scale]', { label: 'this image’s max' })
    await expect.poll(() => canvasRgb(page, 'error-map')).toEqual(own)
  })

  it('exports a pane as a PNG with the pane’s pixels', async () => {
    const download = page.waitForEvent('download')
    await page.locator('figure', { has: page.locator('[data-testid=reconstruction]') }).getByRole('button', { name: 'Export PNG' }).click()
    const file = await download
    expect(file.suggestedFilename()).toBe('reconstruction.png')
    const path = join(screenshotDir, 'inspector-export-reconstruction.png')
    await file.saveAs(path)
    const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([32, 32])
    expect(Array.from(data)).toEqual(await canvasRgb(page, 'reconstruction'))
  })

  it('samples variance: the original, K samples with their PSNR in the strip, mean and a non-zero std map with a legend', async () => {
    await page.click('[data-testid=tab-variance]')
    await page.fill('[data-testid=variance-k]', '3')
    await page.click('[data-testid=run-variance]')
    await page.locator('[data-testid=variance-std]').waitFor({ timeout: workMs })
    expect(await page.locator('[data-testid=variance-strip] canvas').count()).toBe(3)
    const labels = await page.locator('[data-testid=variance-strip]').innerText()
    expect(labels.match(/seed \d+ · \d+\.\d\d dB/g)).toHaveLength(3)
    expect(std(await canvasRgb(page, 'variance-original'))).toBeGreaterThan(1) // the photo, not a blank pane
    expect(std(await canvasRgb(page, 'variance-std'))).toBeGreaterThan(1)
    expect(await page.locator('[data-testid=legend]').count()).toBe(1)
    await screenshot(page, 'inspector-variance')
  })

  it('flips bits: the difference map appears and changes with a second flip', async () => {
    await page.click('[data-testid=tab-bitmap]')
    await page.click('[data-testid=load-code]')
    const grid = page.locator('[data-testid=bit-grid]')
    await grid.waitFor({ timeout: workMs })
    const cell = Number(await grid.getAttribute('data-cell-px'))
    await grid.hover({ position: { x: cell * 2.5, y: cell * 1.5 } })
    expect(await page.textContent('[data-testid=bit-grid-hover]')).toMatch(/^token 2, bit 1: [+−]1$/)
    await grid.click({ position: { x: cell * 2.5, y: cell * 1.5 } })
    await expect.poll(() => page.textContent('[data-testid=flip-numbers]'), { timeout: workMs }).toMatch(/1 decoded/)
    const first = await canvasRgb(page, 'flip-diff')
    const firstNumber = await page.textContent('[data-testid=mean-abs-diff]')
    expect(Number(firstNumber)).toBeGreaterThan(0)
    await grid.click({ position: { x: cell * 9.5, y: cell * 4.5 } })
    await expect.poll(() => page.textContent('[data-testid=flip-numbers]'), { timeout: workMs }).toMatch(/2 bits flipped · 2 decoded/)
    expect(await page.textContent('[data-testid=mean-abs-diff]')).not.toBe(firstNumber)
    expect(await canvasRgb(page, 'flip-diff')).not.toEqual(first)
    await page.locator('.thumb').nth(1).click() // another image: this code is not its code
    expect(await page.locator('[data-testid=stale-code]').count()).toBe(1)
    await page.locator('.thumb').first().click()
    expect(await page.locator('[data-testid=stale-code]').count()).toBe(0)
  })

  it('runs the sensitivity atlas on a subset and the per-bit balance', async () => {
    await page.fill('[data-testid=atlas-subset]', '12')
    await page.click('[data-testid=run-atlas]')
    await page.locator('[data-testid=atlas-grid]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=atlas-note]')).toMatch(/^\s*12 of 96 bits · base PSNR \d+\.\d\d dB/)
    await page.fill('[data-testid=atlas-subset]', '0') // every bit: long enough to cancel
    await page.click('[data-testid=run-atlas]')
    await page.locator('[data-testid=progress-atlas] button', { hasText: 'Cancel' }).click()
    await expect.poll(() => page.textContent('[data-testid=bitmap-view] .error'), { timeout: workMs }).toMatch(/cancelled/)
    expect(await page.locator('[data-testid=progress-atlas]').count()).toBe(0)
    expect(await page.textContent('[data-testid=atlas-legend]')).toMatch(/ΔPSNR.*−\d.*0 dB.*\+\d/) // a colour bar with its range
    await page.click('[data-testid=run-balance]')
    await page.locator('[data-testid=balance-grid]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=balance-legend]')).toMatch(/all −1\s*balanced\s*all \+1/)
    await screenshot(page, 'inspector-bitmap')
  })

  it('scrubs the trajectory from the noise to the decode, which matches the reconstruction', async () => {
    const reconstruction = await (async () => {
      await page.click('[data-testid=tab-reconstruction]')
      return canvasRgb(page, 'reconstruction')
    })()
    await page.click('[data-testid=tab-trajectory]')
    await page.click('[data-testid=run-trajectory]')
    const slider = page.locator('[data-testid=trajectory-slider]')
    await slider.waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=trajectory-index]')).toBe('state 3 of 3')
    expect(await canvasRgb(page, 'trajectory-state')).toEqual(reconstruction)
    expect(await canvasRgb(page, 'trajectory-x0')).toEqual(reconstruction) // at t = 0 the state is its own x̂₀
    expect(await page.locator('[data-testid=filmstrip-frame]').count()).toBe(4)
    expect(await canvasRgb(page, 'filmstrip-x0-3')).toEqual(reconstruction)
    await slider.fill('0')
    expect(await page.textContent('[data-testid=trajectory-t]')).toBe('t = 1.0000')
    const [noise, x0] = [await canvasRgb(page, 'trajectory-state'), await canvasRgb(page, 'trajectory-x0')]
    expect(noise).not.toEqual(reconstruction)
    expect(x0).not.toEqual(noise) // the decoder's guess at t = 1, not the noise
    expect(await canvasRgb(page, 'filmstrip-x0-0')).toEqual(x0)
    // the slider is linear in t: its middle (t = 0.5) is nearest state 1 at t = (2/3)⁴ with ρ = 4, not the middle index
    await slider.fill('0.5')
    expect(await page.textContent('[data-testid=trajectory-t]')).toBe('t = 0.1975')
    expect(await page.textContent('[data-testid=trajectory-index]')).toBe('state 1 of 3')
    await page.locator('[data-testid=filmstrip-frame]').nth(2).click()
    expect(await page.textContent('[data-testid=trajectory-t]')).toBe('t = 0.0123')
    expect(await page.locator('[data-testid=timeline] canvas').count()).toBeGreaterThan(0)
    await screenshot(page, 'inspector-trajectory')
  })

  it('an engine killed mid-job: the view reports it, the model and images open again on the new engine', async () => {
    const { pid } = await callEngine(page, 'status', undefined)
    await page.click('[data-testid=tab-variance]')
    await page.fill('[data-testid=variance-k]', '40')
    await page.click('[data-testid=run-variance]')
    await page.locator('[data-testid=progress-variance]').waitFor({ timeout: workMs })
    process.kill(pid, 'SIGKILL')
    await expect.poll(() => page.textContent('[data-testid=variance-view] .error'), { timeout: workMs }).toMatch(/engine/)
    await page.waitForSelector('footer[data-state="ready"]', { timeout: workMs })
    await expect.poll(async () => (await callEngine(page, 'status', undefined)).pid).not.toBe(pid)
    await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0) // opened again
    expect(await page.locator('[data-testid=open-error]').count()).toBe(0)
    await page.fill('[data-testid=variance-k]', '2')
    await page.click('[data-testid=run-variance]')
    await expect.poll(() => page.locator('[data-testid=variance-strip] canvas').count(), { timeout: workMs }).toBe(2)
    expect(await page.locator('[data-testid=variance-view] .error').count()).toBe(0)
    expect(await page.textContent('[data-testid=summary-code]')).toBe('16 tokens × 6 bits (G 3)')
    await screenshot(page, 'inspector-after-engine-restart')
    expect(app.pageErrors.filter((e) => !/engine/i.test(e))).toEqual([])
  })

  it('a reload keeps the open model, the images (uploaded ones too), the selected image and the tab', async () => {
    const thumbs = await page.locator('[data-testid=thumb-name]').allTextContents()
    const uploaded = thumbs.indexOf(basename(photo)) // before the folder's copy of the same file
    await page.locator('.thumb').nth(uploaded).click()
    await page.click('[data-testid=tab-reconstruction]')
    const original = await canvasRgb(page, 'original')
    await page.click('[data-testid=tab-trajectory]')
    await page.reload()
    await page.locator('[data-testid="backend"]').filter({ hasNotText: '…' }).waitFor({ timeout: workMs })
    await expect.poll(() => page.textContent('[data-testid=summary-code]'), { timeout: workMs }).toBe('16 tokens × 6 bits (G 3)')
    await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0)
    expect(await page.locator('[data-testid=thumb-name]').allTextContents()).toEqual(thumbs) // the upload in its place
    expect(await page.locator('.thumb').nth(uploaded).getAttribute('class')).toMatch(/selected/)
    expect(await page.getAttribute('[data-testid=tab-trajectory]', 'class')).toMatch(/active/)
    expect(await page.inputValue('[data-testid=model-path]')).toBe(join(tinyA, 'checkpoint.pth'))
    await page.click('[data-testid=tab-reconstruction]')
    await expect.poll(() => canvasRgb(page, 'original').catch(() => []), { timeout: workMs }).toEqual(original) // the upload's own bytes
    await screenshot(page, 'inspector-after-reload')
  })
})
