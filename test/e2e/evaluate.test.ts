// The Evaluate section in Chromium against `flowmo serve`: an eval of the golden tiny-a model on 4 real photos through
// the form (progress, metrics, protocol card, per-image table sorted worst first by any score, thumbnails), a second
// eval with another seed, and the diff of the two saved reports with the differing card field flagged.
// Screenshots: test-results/screenshots/evaluate-*.png.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { openApp, pixelStats, projectRoot, screenshot, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-evaluate-e2e-'))
const data = join(tmp, 'photos')

/** The table's rows as shown: folder index and scores. */
const tableRows = (page: Page) =>
  page.$$eval('[data-testid=eval-row]', (nodes) => nodes.map((n) => ({ index: Number(n.getAttribute('data-index')), scores: JSON.parse(n.getAttribute('data-scores')!) as Record<string, number> })))

async function evaluate(page: Page, seed: number, out: string): Promise<void> {
  await page.fill('[data-testid=eval-seed]', String(seed))
  await page.fill('[data-testid=eval-out]', out)
  await page.click('[data-testid=eval-run]')
  const shownSeed = async () => {
    const card = await page.locator('[data-testid=eval-protocol-json]').textContent({ timeout: 100 }).catch(() => null)
    return card && (JSON.parse(card) as { sampler: { seed: number } }).sampler.seed
  }
  await expect.poll(async () => (await page.locator('[data-testid=eval-error]').count()) || (existsSync(join(out, 'report.json')) && (await shownSeed())), { timeout: workMs }).toBe(seed)
  await page.locator('[data-testid=progress-evaluate]').waitFor({ state: 'detached' })
}

describe('evaluate in Chromium', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    mkdirSync(data)
    for (const i of [0, 1, 2, 3, 4]) copyFileSync(join(photos, `val64_000${i}.png`), join(data, `val64_000${i}.png`))
    app = await openApp({ backend: 'wasm', allow: [projectRoot, tinyA, tmp] })
    page = app.page
    await page.locator('[data-testid=model-summary]').waitFor({ timeout: workMs }) // the bundled model is open: the form's default is taken before the tests clear it
    await page.click('[data-testid=section-evaluate]')
  })
  afterAll(() => app?.close())

  it('says what is missing before it runs', async () => {
    await page.fill('[data-testid=eval-checkpoint]', '')
    await page.click('[data-testid=eval-run]')
    expect(await page.textContent('[data-testid=eval-error]')).toBe('give a checkpoint')
  })

  it('evaluates the first 4 images: metrics, protocol card, a row per image worst first, thumbnails', async () => {
    await page.fill('[data-testid=eval-checkpoint]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=eval-config]', join(tinyA, 'config.json'))
    await page.fill('[data-testid=eval-data]', data)
    await page.fill('[data-testid=eval-n]', '4')
    await evaluate(page, 0, join(tmp, 'eval-a'))
    const saved = JSON.parse(readFileSync(join(tmp, 'eval-a', 'report.json'), 'utf8')) as { metrics: Record<string, number>; protocol: { sampler: { seed: number } } }
    expect(await page.textContent('[data-testid=eval-n-images]')).toBe('4')
    const shown = await page.$$eval('[data-testid=eval-metric-row]', (n) => n.map((r) => [r.getAttribute('data-metric'), Number(r.getAttribute('data-value'))]))
    expect(Object.fromEntries(shown)).toEqual(saved.metrics)
    expect(JSON.parse((await page.textContent('[data-testid=eval-protocol-json]'))!)).toEqual(saved.protocol)
    // worst PSNR first; the rows are the CSV's images, and their mean is the report's (per-image convention)
    const rows = await tableRows(page)
    expect(rows.map((r) => r.index).sort()).toEqual([0, 1, 2, 3])
    const psnr = rows.map((r) => r.scores.psnr)
    expect(psnr).toEqual([...psnr].sort((a, b) => a - b))
    expect(psnr.reduce((a, v) => a + v, 0) / 4).toBeCloseTo(saved.metrics.psnr, 6)
    const csv = readFileSync(join(tmp, 'eval-a', 'per-image.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]))
    rows.forEach((r) => expect(r.scores.psnr).toBeCloseTo(csv[r.index], 6))
    for (const kind of ['original', 'reconstruction']) {
      const stats = await pixelStats(page, `[data-testid=eval-row]:first-child [data-testid=eval-thumb-${kind}]`)
      expect([stats.width, stats.height]).toEqual([32, 32])
      expect(Math.max(...stats.std)).toBeGreaterThan(3) // drawn, not blank
    }
    await screenshot(page, 'evaluate-table')
  })

  it('sorts by any score: SSIM worst first, then best first', async () => {
    await page.click('[data-testid=eval-sort-ssim]')
    const worstFirst = (await tableRows(page)).map((r) => r.scores.ssim)
    expect(worstFirst).toEqual([...worstFirst].sort((a, b) => a - b))
    await page.click('[data-testid=eval-sort-ssim]')
    const bestFirst = (await tableRows(page)).map((r) => r.scores.ssim)
    expect(bestFirst).toEqual([...worstFirst].reverse())
  })

  it('diffs two saved reports: the seed field is flagged, the others are not', async () => {
    await evaluate(page, 3, join(tmp, 'eval-b'))
    expect(await page.inputValue('[data-testid=eval-diff-a]')).toBe(join(tmp, 'eval-a', 'report.json'))
    expect(await page.inputValue('[data-testid=eval-diff-b]')).toBe(join(tmp, 'eval-b', 'report.json'))
    await page.click('[data-testid=eval-diff-run]')
    await page.locator('[data-testid=eval-diff-verdict]').waitFor()
    expect(await page.textContent('[data-testid=eval-diff-verdict]')).toContain('1 protocol field differs')
    const flagged = await page.$$eval('[data-testid=eval-diff-row][data-differs=true]', (n) => n.map((r) => r.getAttribute('data-field')))
    expect(flagged).toEqual(['sampler.seed'])
    expect(await page.locator('[data-testid=eval-diff-row][data-field="sampler.steps"]').getAttribute('data-differs')).toBe('false')
    await page.locator('[data-testid=eval-diff]').scrollIntoViewIfNeeded()
    await screenshot(page, 'evaluate-diff')
    expect(app.pageErrors).toEqual([])
  })
})
