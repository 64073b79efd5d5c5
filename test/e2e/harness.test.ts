// The harness's own helpers, on a page of known content: pixel statistics of an <img> as Chromium decodes it.
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, pixelStats } from './harness'

describe('e2e harness', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(() => browser?.close())

  it('measures per-channel mean and standard deviation of an image', async () => {
    const pixels = Buffer.from([255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255]) // 2 × 2: red | blue on both rows
    const png = await sharp(pixels, { raw: { width: 2, height: 2, channels: 3 } }).png().toBuffer()
    const page = await browser.newPage()
    await page.setContent(`<img id="probe" src="data:image/png;base64,${png.toString('base64')}">`)
    await page.locator('#probe').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode())
    const stats = await pixelStats(page, '#probe')
    expect(stats).toMatchObject({ width: 2, height: 2 })
    expect(stats.mean).toEqual([127.5, 0, 127.5])
    expect(stats.std).toEqual([127.5, 0, 127.5])
  })
})
