// The inspector's Token map tab in Chromium against `flowmo serve`: the golden tiny-a model (16 tokens × 6 bits, 32 px)
// on the bundled photos: every token replaced by the second image's token, the atlas of 16 maps, the owner colouring,
// a click on a pixel listing the tokens that move it most, and token mix (all of A = A, a chosen set ≠ A, B).
// Screenshots: test-results/screenshots/token-map*.png.
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { tokenColour } from '../../src/renderer/src/components/inspect/token-colours'
import { callEngine, openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')

interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }
}

/** [width, height, RGB values] of a canvas, read in the page. */
function canvasRgb(page: Page, testid: string): Promise<[number, number, number[]]> {
  return page.evaluate((testid) => {
    const doc = (globalThis as unknown as { document: { querySelector(selector: string): CanvasLike } }).document
    const canvas = doc.querySelector(`[data-testid="${testid}"]`)
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    return [canvas.width, canvas.height, Array.from(data).filter((_, i) => i % 4 !== 3)] as [number, number, number[]]
  }, testid)
}

describe('token map in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tinyA] })
    page = app.page
  })
  afterAll(() => app?.close())

  it('opens tiny-a beside the bundled photos (A and B)', async () => {
    const bundled = await callEngine(page, 'bundled', undefined)
    expect(bundled.images.length).toBeGreaterThan(1)
    await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs })
    await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0)
    await page.fill('[data-testid=model-path]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=config-path]', join(tinyA, 'config.json'))
    await page.click('[data-testid=open-model]')
    await expect.poll(() => page.textContent('[data-testid=summary-code]'), { timeout: workMs }).toBe('16 tokens × 6 bits (G 3)')
    await page.fill('[data-testid=steps]', '2')
    await page.click('[data-testid=tab-tokens]')
  })

  it('maps every token (replaced by the second image’s): 16 tiles, owner colouring, tokens at a clicked pixel', async () => {
    await page.selectOption('[data-testid=token-replacement]', 'other')
    await page.click('[data-testid=run-token-map]')
    await page.locator('[data-testid=token-atlas]').waitFor({ timeout: workMs })
    const [aw, ah, atlas] = await canvasRgb(page, 'token-atlas')
    expect([aw, ah]).toEqual([4 * 33 - 1, 4 * 33 - 1]) // 4 × 4 tiles of 32 px, 1-px gaps
    expect(new Set(atlas).size).toBeGreaterThan(10) // maps drawn, not one flat colour
    const [ow, , owner] = await canvasRgb(page, 'token-owner')
    expect(ow).toBe(32)
    // click the owner pane at pixel (y 20, x 10): the list is sorted by |Δ| and its first token owns that pixel
    const pane = page.locator('[data-testid=token-owner-pane]')
    const box = (await pane.boundingBox())!
    await pane.click({ position: { x: ((10 + 0.5) / 32) * box.width, y: ((20 + 0.5) / 32) * box.height } })
    const listed = await page.$$eval('[data-testid=tokens-at-pixel] li', (n) => n.map((li) => [Number(li.getAttribute('data-token')), Number(li.getAttribute('data-delta'))]))
    expect(listed).toHaveLength(8)
    const deltas = listed.map(([, d]) => d)
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a))
    const at = (20 * 32 + 10) * 3
    expect(owner.slice(at, at + 3)).toEqual(tokenColour(listed[0][0]))
    expect(await page.textContent('[data-testid=token-map-view] .lists h4')).toBe('Tokens that move pixel (y 20, x 10) most')
    await screenshot(page, 'token-map')
  })

  it('mixes tokens: all 16 of A decode as A; tokens 0-3 of A with the rest of B differ from both', async () => {
    await page.fill('[data-testid=mix-first-k]', '16')
    await page.click('[data-testid=run-mix]')
    await expect.poll(() => page.textContent('[data-testid=mix-note]'), { timeout: workMs }).toContain('16 of 16 tokens from A')
    expect((await canvasRgb(page, 'mix-mixed'))[2]).toEqual((await canvasRgb(page, 'mix-a'))[2])
    await page.check('[data-testid=mix-mode-set]')
    await page.fill('[data-testid=mix-token-set]', '0-3')
    await page.click('[data-testid=run-mix]')
    await expect.poll(() => page.textContent('[data-testid=mix-note]'), { timeout: workMs }).toContain('4 of 16 tokens from A')
    const [mixed, a, b] = await Promise.all(['mix-mixed', 'mix-a', 'mix-b'].map(async (id) => (await canvasRgb(page, id))[2]))
    expect(mixed).not.toEqual(a)
    expect(mixed).not.toEqual(b)
    await page.fill('[data-testid=mix-token-set]', '0-3, 99')
    await page.click('[data-testid=run-mix]')
    expect(await page.textContent('[data-testid=token-error]')).toBe('"99" is not a token or range of tokens 0–15')
    await page.locator('[data-testid=mix-mixed]').scrollIntoViewIfNeeded()
    await screenshot(page, 'token-map-mix')
    expect(app.pageErrors).toEqual([])
  })
})
