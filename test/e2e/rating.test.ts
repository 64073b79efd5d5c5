// Human eval in Chromium against `flowmo serve`: export two real photos × FlowMo (golden tiny-a), JPEG and WebP
// through the UI (a title naming methods refused inline; rater images of one byte size that Chromium displays), rate
// every trial on the blind page (rater/index.html) opened offline from file://, check the choices through the
// researcher's manifest, then import the saved ratings through the UI with and without quality filters.
// Screenshots: test-results/screenshots/rating-*.png.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { callEngine, openApp, projectRoot, recordedEvents, recordEvents, screenshot, workMs, type AppSession } from './harness'
import { PHOTOS } from '../fixtures/photos'

const tinyA = join(goldenDir(), 'tiny-a')
const photos = ['val64_0003.png', 'val64_0017.png']
const methods = ['flowmo', 'jpeg', 'webp']

interface Rating {
  readonly image: string
  readonly pair: [string, string] // rater tokens
  readonly choice: string // a token
  readonly ms: number
  readonly flips: number
}

interface ManifestFile {
  readonly token: string
  readonly file: string
}
interface Manifest {
  readonly images: readonly (ManifestFile & { readonly id: string })[]
  readonly entries: readonly (ManifestFile & { readonly image: string; readonly method: string; readonly psnr: number | 'inf' })[]
}

/** Every file below `dir`, relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile())

/** Mean squared error of a reconstruction against the original, both PNGs of the rater folder. */
async function mse(dir: string, a: string, b: string): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((f) => sharp(join(dir, f)).removeAlpha().raw().toBuffer()))
  return x.reduce((sum, v, i) => sum + (v - y[i]) ** 2, 0) / x.length
}

/** The table's numbers for one method row. */
async function methodRow(page: Page, id: string): Promise<{ wins: number; comparisons: number; winRate: string }> {
  const row = page.locator(`[data-testid=rating-method-row][data-method="${id}"]`)
  return {
    wins: Number(await row.locator('[data-testid=wins]').textContent()),
    comparisons: Number(await row.locator('[data-testid=comparisons]').textContent()),
    winRate: (await row.locator('[data-testid=win-rate]').textContent())!,
  }
}

const count = async (page: Page, testid: string): Promise<number> => Number(await page.textContent(`[data-testid=${testid}]`))

describe('human eval in Chromium', () => {
  let app: AppSession
  let page: Page
  let tmp: string
  let exportDir: string
  let ratingsFile: string

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flowmo-rating-e2e-'))
    for (const p of photos) copyFileSync(join(PHOTOS, 'val-64', p), join(tmp, p))
    exportDir = join(tmp, 'export')
    ratingsFile = join(tmp, 'ratings.json')
    app = await openApp({ backend: 'cpu', allow: [projectRoot, tinyA, tmp] })
    page = app.page
  })
  afterAll(async () => {
    await app?.close()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('exports two photos × FlowMo, JPEG, WebP with progress, then refuses to overwrite the folder', async () => {
    await page.click('[data-testid=section-rating]')
    const bundled = await callEngine(page, 'bundled', undefined) // the inspector opens these at startup
    await expect.poll(() => page.inputValue('[data-testid=rating-images]'), { timeout: workMs }).toBe(bundled.images.join('\n'))
    await expect.poll(() => page.inputValue('[data-testid=rating-checkpoint]'), { timeout: workMs }).toBe(bundled.models[0] ?? '')
    await screenshot(page, 'rating-start')
    await page.fill('[data-testid=rating-images]', photos.map((p) => join(tmp, p)).join('\n'))
    await page.fill('[data-testid=rating-checkpoint]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=rating-config]', join(tinyA, 'config.json'))
    await page.uncheck('[data-testid=rating-method-jpeg]')
    await page.uncheck('[data-testid=rating-method-webp]')
    expect(await page.textContent('[data-testid=rating-export-problem]')).toMatch(/at least two methods.*1 chosen/)
    expect(await page.isDisabled('[data-testid=rating-export-start]')).toBe(true)
    await page.check('[data-testid=rating-method-jpeg]')
    await page.check('[data-testid=rating-method-webp]')
    expect(await page.textContent('[data-testid=rating-export-problem]')).toMatch(/output folder/)
    await page.fill('[data-testid=rating-out-parent]', tmp)
    await page.fill('[data-testid=rating-out-name]', 'export')
    await page.fill('[data-testid=rating-title]', 'FlowMo vs JPEG')
    await page.click('[data-testid=rating-export-start]') // raters would see the method names
    await expect.poll(() => page.textContent('[data-testid=rating-export-error]'), { timeout: workMs })
      .toBe('the title names methods (flowmo, jpeg): raters would see them; choose a neutral title')
    expect(readdirSync(tmp).sort()).toEqual([...photos].sort())
    await page.fill('[data-testid=rating-title]', 'Browser test')
    await page.fill('[data-testid=rating-target-bpp]', '1.5')
    expect(await page.textContent('[data-testid=rating-out-path]')).toBe(exportDir)
    await recordEvents(page, ['job:progress'])
    await page.click('[data-testid=rating-export-start]')
    await page.locator('[data-testid=rating-export-result]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=rating-export-counts]')).toMatch(/2 images × 3 methods at 32 px,\s+6 trials per rater\. 8 files written\./)
    expect(await page.textContent('[data-testid=rating-export-page]')).toBe(join(exportDir, 'rater', 'index.html'))
    expect(await page.textContent('[data-testid=rating-export-handout]')).toMatch(/Hand out only the rater\/ folder/)
    expect(await page.locator('[data-testid=rating-export-methods] tbody tr').count()).toBe(3)
    expect(readdirSync(exportDir).sort()).toEqual(['manifest.csv', 'manifest.json', 'originals', 'rater', 'recon'])
    for (const m of methods) expect(readdirSync(join(exportDir, 'recon', m)).sort()).toEqual(['val64_0003.png', 'val64_0017.png'])
    const manifest = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8')) as Manifest
    const tokens = [...manifest.images, ...manifest.entries].map((f) => `images/${f.token}.png`)
    expect(filesUnder(join(exportDir, 'rater')).sort()).toEqual(['index.html', ...tokens].sort())
    for (const f of filesUnder(join(exportDir, 'rater'))) {
      expect(readFileSync(join(exportDir, 'rater', f), 'latin1')).not.toMatch(/flowmo|jpeg|webp/i) // no byte names a method
    }
    expect(new Set(tokens.map((f) => statSync(join(exportDir, 'rater', f)).size)).size).toBe(1) // nor any file size
    expect(existsSync(`${exportDir}.partial`)).toBe(false)
    const progress = (await recordedEvents(page)).map((e) => e.payload as { done: number; total: number })
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8 }) // 2 originals + 2 × 3 reconstructions
    expect(await page.inputValue('[data-testid=rating-import-dir]')).toBe(exportDir) // the import side follows
    await screenshot(page, 'rating-export-result')
    await page.click('[data-testid=rating-export-start]') // the same folder again
    await expect.poll(() => page.textContent('[data-testid=rating-export-error]'), { timeout: workMs }).toMatch(/already exists/)
  })

  it('an output folder that cannot be made: one clear sentence, nothing half-written', async () => {
    const blocked = join(tmp, photos[0]) // a file where the parent folder should be
    await page.fill('[data-testid=rating-out-parent]', blocked)
    await page.click('[data-testid=rating-export-start]')
    await expect.poll(() => page.textContent('[data-testid=rating-export-error]'), { timeout: workMs }).toMatch(/is a file, not a folder/)
    expect(await page.locator('[data-testid=rating-export-result]').count()).toBe(0)
    expect(readdirSync(tmp).sort()).toEqual(['export', ...photos].sort()) // no partial folder anywhere
    await page.fill('[data-testid=rating-out-parent]', tmp)
  })

  it('codecs only: no checkpoint, the image size comes from the form', async () => {
    await page.uncheck('[data-testid=rating-method-flowmo]')
    await page.fill('[data-testid=rating-checkpoint]', '')
    expect(await page.getAttribute('[data-testid=rating-size]', 'placeholder')).toMatch(/^\d+$/) // Inspect's model's size
    await page.fill('[data-testid=rating-size]', '24')
    await page.fill('[data-testid=rating-out-name]', 'codecs')
    await page.click('[data-testid=rating-export-start]')
    await page.locator('[data-testid=rating-export-result]').waitFor({ timeout: workMs })
    expect(await page.textContent('[data-testid=rating-export-counts]')).toMatch(/2 images × 2 methods at 24 px,\s+2 trials per rater\. 6 files written\./)
    expect(readdirSync(join(tmp, 'codecs', 'recon')).sort()).toEqual(['jpeg', 'webp'])
    expect(readdirSync(join(tmp, 'codecs', 'rater', 'images')).length).toBe(6)
    await page.check('[data-testid=rating-method-flowmo]')
    await page.fill('[data-testid=rating-checkpoint]', join(tinyA, 'checkpoint.pth'))
  })

  it('rates every trial on the blind page, offline from file://, and saves the ratings as a download', async () => {
    const rater = await app.browser.newPage({ viewport: { width: 1200, height: 760 } })
    const requests: string[] = []
    rater.on('request', (r) => requests.push(r.url()))
    await rater.goto(pathToFileURL(join(exportDir, 'rater', 'index.html')).href)
    await rater.fill('#rater', 'tester')
    expect(await rater.content()).not.toMatch(/flowmo|jpeg|webp|recon\//i) // neither the view nor the source maps images to methods
    expect(await rater.textContent('h1')).toBe('Browser test')
    const total = Number((await rater.textContent('#progress-text'))!.split('/')[1])
    expect(total).toBe(6)
    for (let trial = 0; trial < total; trial++) {
      if (trial === 5) await rater.reload() // progress is kept in the browser
      const src = (id: string) => rater.getAttribute(`#${id}`, 'src') as Promise<string>
      const [left, right, original] = await Promise.all([src('left'), src('right'), src('original')])
      const loaded = (id: string) => rater.locator(`#${id}`).evaluate((e) => ((img) => img.complete && img.naturalWidth > 0)(e as unknown as { complete: boolean; naturalWidth: number }))
      for (const id of ['left', 'right', 'original']) await expect.poll(() => loaded(id)).toBe(true) // padded PNGs display
      const keys = trial >= 3 // the second half by keyboard, with the focus left on a button by the clicks before
      for (let f = 0; f < trial % 3; f++) await (keys ? rater.keyboard.press('Space') : rater.click('#flip-button')) // trials 0, 3: never flipped
      expect(await rater.textContent('#flip-count')).toBe(String(trial % 3))
      expect(await rater.textContent('#progress-text')).toBe(`${trial + 1} / ${total}`)
      if (trial === 1) await screenshot(rater, 'rating-page')
      expect([left, right, original].every((f) => /^images\/[0-9a-f]{24}\.png$/.test(f))).toBe(true)
      const [dl, dr] = await Promise.all([mse(join(exportDir, 'rater'), left, original), mse(join(exportDir, 'rater'), right, original)])
      expect(dl).not.toBe(dr)
      if (keys) await rater.keyboard.press(dl < dr ? '1' : '2') // the rater picks what is closer to the original
      else await rater.click(dl < dr ? '#choose-left' : '#choose-right')
    }
    expect(await rater.isVisible('#done')).toBe(true)
    const download = rater.waitForEvent('download')
    await rater.click('#save-done')
    const file = await download
    expect(file.suggestedFilename()).toMatch(/^ratings-tester-[0-9a-f]{8}\.json$/)
    await file.saveAs(ratingsFile)
    expect(requests.filter((u) => !/^(file|blob|data):/.test(u))).toEqual([])
    await rater.close()
  })

  it('import refuses a file that is not a ratings file of this export, saying why', async () => {
    await page.fill('[data-testid=rating-import-dir]', exportDir)
    await page.fill('[data-testid=rating-import-files]', join(exportDir, 'manifest.json'))
    await page.click('[data-testid=rating-import-start]')
    await expect.poll(() => page.textContent('[data-testid=rating-import-error]'), { timeout: workMs }).toMatch(/not a ratings file/)
    expect(await page.locator('[data-testid=rating-report]').count()).toBe(0)
  })

  it('imports the ratings: every method, all trials, wins as the manifest’s PSNR predicts', async () => {
    const saved = JSON.parse(readFileSync(ratingsFile, 'utf8')) as { rater: string; ratings: Rating[] }
    expect(saved.rater).toBe('tester')
    expect(saved.ratings.length).toBe(6)
    const manifest = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8')) as Manifest
    const entry = (token: string) => manifest.entries.find((e) => e.token === token)! // the researcher's key to the tokens
    const psnr = (token: string) => (entry(token).psnr === 'inf' ? Infinity : (entry(token).psnr as number))
    const expectedWins = new Map(methods.map((m) => [m, 0]))
    for (const r of saved.ratings) {
      expect(r.pair.every((t) => entry(t).image === r.image)).toBe(true)
      const winner = psnr(r.pair[0]) > psnr(r.pair[1]) ? r.pair[0] : r.pair[1] // closer to the original: the higher PSNR
      expect(r.choice).toBe(winner)
      expectedWins.set(entry(winner).method, expectedWins.get(entry(winner).method)! + 1)
    }
    await page.fill('[data-testid=rating-import-files]', ratingsFile)
    await page.fill('[data-testid=rating-import-out]', join(tmp, 'report.json'))
    await page.click('[data-testid=rating-import-start]')
    await page.locator('[data-testid=rating-report]').waitFor({ timeout: workMs })
    expect([await count(page, 'rating-total'), await count(page, 'rating-kept')]).toEqual([6, 6])
    let winRateSum = 0
    for (const m of methods) {
      const row = await methodRow(page, m)
      expect(row).toMatchObject({ wins: expectedWins.get(m), comparisons: 4 }) // 2 images × 2 opponents
      winRateSum += Number(row.winRate.replace(' %', ''))
    }
    expect(winRateSum).toBeCloseTo((6 / 4) * 100, 0) // Σ wins = trials, each method in 4 of them
    expect(await page.textContent('[data-testid=rating-methods] tbody tr:first-child td:nth-child(2)')).not.toBe('')
    expect(await page.locator('[data-testid=rating-pairs] tbody tr').count()).toBe(3)
    expect(JSON.parse(readFileSync(join(tmp, 'report.json'), 'utf8')).counts).toMatchObject({ total: 6, kept: 6 })
    await screenshot(page, 'rating-import-result')
  })

  it('quality control: requiring a flip and a minimum time drops exactly the trials that fail them', async () => {
    const { ratings } = JSON.parse(readFileSync(ratingsFile, 'utf8')) as { ratings: Rating[] }
    const minMs = [...ratings.map((r) => r.ms)].sort((a, b) => a - b)[3] // the median: some trials pass, some do not
    await page.fill('[data-testid=rating-min-ms]', String(minMs))
    await page.check('[data-testid=rating-require-flip]')
    await page.fill('[data-testid=rating-import-out]', '')
    await page.click('[data-testid=rating-import-start]')
    await expect.poll(() => count(page, 'rating-never-flipped'), { timeout: workMs }).toBe(2)
    expect(await count(page, 'rating-too-fast')).toBe(ratings.filter((r) => r.ms < minMs).length)
    expect(await count(page, 'rating-kept')).toBe(ratings.filter((r) => r.flips > 0 && r.ms >= minMs).length)
    const kept = await count(page, 'rating-kept')
    const comparisons = await Promise.all(methods.map(async (m) => (await methodRow(page, m)).comparisons))
    expect(comparisons.reduce((a, b) => a + b, 0)).toBe(2 * kept)
    await screenshot(page, 'rating-import-filtered')
    expect(app.pageErrors).toEqual([])
  })
})
