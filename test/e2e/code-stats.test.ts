// The Code stats section in Chromium against `flowmo serve`: the bundled tokenizer over the bundled photos (the
// inspector's model and folder are the defaults): headline, per-bit bars (their mean is the overall usage), the L × C
// usage grid, per-token entropy bars, the C × C correlation matrix (diagonal 1, symmetric). Screenshot:
// test-results/screenshots/code-stats.png.
import { dirname } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callEngine, openApp, projectRoot, screenshot, workMs, type AppSession } from './harness'

const attrs = (page: Page, testid: string, name: string) =>
  page.$$eval(`[data-testid=${testid}]`, (nodes, name) => nodes.map((n) => n.getAttribute(name)), name)

describe('code statistics in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    app = await openApp({ backend: 'wasm', allow: [projectRoot] })
    page = app.page
  })
  afterAll(() => app?.close())

  it('says what is missing, then counts the bundled model’s codes over the bundled photos', async () => {
    const bundled = await callEngine(page, 'bundled', undefined)
    expect(bundled.models.length).toBe(1)
    await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs })
    await page.click('[data-testid=section-codes]')
    await expect.poll(() => page.inputValue('[data-testid=codes-checkpoint]')).toBe(bundled.models[0])
    await expect.poll(() => page.inputValue('[data-testid=codes-data]')).toBe(dirname(bundled.images[0])) // filled once the bundled list arrives
    await page.fill('[data-testid=codes-group]', '5')
    await page.click('[data-testid=codes-run]')
    await expect.poll(() => page.textContent('[data-testid=codes-error]'), { timeout: workMs }).toBe('group 5 must divide the 18 bits of a token (invalid-request)')
    await page.fill('[data-testid=codes-group]', '')
    await page.click('[data-testid=codes-run]')
    await page.locator('[data-testid=codes-headline]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=codes-headline]')).toMatch(new RegExp(`^${bundled.images.length} images × 64 tokens × 18 bits`))
  })

  it('draws per-bit usage, the usage grid, per-token entropy and the correlation matrix', async () => {
    const C = 18 // the bundled photo-64 model's bits per token
    const usage = (await attrs(page, 'codes-bit-bar', 'data-usage')).map(Number)
    expect(usage).toHaveLength(C)
    for (const u of usage) expect(u >= 0 && u <= 1).toBe(true)
    const overall = Number((await page.textContent('[data-testid=codes-headline] strong'))!)
    expect(usage.reduce((a, v) => a + v, 0) / C).toBeCloseTo(overall, 3) // every bit position has the same count of rows
    const entropy = (await attrs(page, 'codes-entropy-bar', 'data-bits')).map(Number)
    expect(entropy).toHaveLength(64)
    expect(Math.max(...entropy)).toBeGreaterThan(0)
    const r = (await attrs(page, 'codes-corr-cell', 'data-r')).map((v) => (v === null ? null : Number(v)))
    expect(r).toHaveLength(C * C)
    for (let i = 0; i < C; i++) {
      if (r[i * (C + 1)] !== null) expect(r[i * (C + 1)]).toBeCloseTo(1, 9)
      for (let j = 0; j < i; j++) expect(r[i * C + j]).toBeCloseTo(r[j * C + i]!, 12)
    }
    expect(await page.locator('[data-testid=codes-token-bit-grid]').count()).toBe(1)
    expect(Number(await page.textContent('[data-testid=codes-distinct]'))).toBeGreaterThan(1)
    await screenshot(page, 'code-stats')
    expect(app.pageErrors).toEqual([])
  })
})
