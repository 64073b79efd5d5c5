// Reopening a saved sweep for the app: image-grid PNG files under imagesDir come back inline (the files' own bytes),
// a JSON that is not a sweep is refused as 'not-a-sweep' naming the wrong field, and files outside the allowed roots
// are neither opened nor inlined (the grid says why instead).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { allowRoot } from '../../../src/trainer/files'
import { gridSettings, type SweepGrid } from '../../../src/trainer/sweep/grid'
import { openSweep } from '../../../src/trainer/sweep/open-sweep'
import { writeSweep } from '../../../src/trainer/sweep/sweep-file'
import { markBest, SWEEP_FORMAT, SWEEP_VERSION, type SweepCard, type SweepResult } from '../../../src/trainer/sweep/sweep-result'

const grid: SweepGrid = { steps: [2, 4], rho: [1, 4], cfg: [1.5], interval: [[0.17, 1.02]] }
const pngs: Record<string, Buffer> = {}
let root: string // allowed
let outside: string // not allowed

/** A 4×4 PNG whose colour depends on `seed`, written to dir/file (and remembered by file name). */
async function png(dir: string, file: string, seed: number): Promise<void> {
  const bytes = await sharp(Buffer.alloc(4 * 4 * 3, seed * 40), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer()
  mkdirSync(join(dir, file, '..'), { recursive: true })
  writeFileSync(join(dir, file), bytes)
  pngs[file] = bytes
}

/** A two-image sweep whose grid images are files under `imagesDir` (cell c, image 0 → c<c>/img0000.png). */
function result(imagesDir: string): SweepResult {
  const cells = gridSettings(grid).map((s, i) => ({
    ...s, schedule: `pow_${1 / s.rho}`, cfgIntervalT: [0.145, 0.505] as const, nfe: s.steps + 1, timeMsPerImage: 3 + i,
    metrics: { psnr: 20 + i, ssim: 0.5 - i / 10 }, perImage: { psnr: [20 + i, 20 + i], ssim: [0.5 - i / 10, 0.5 - i / 10] },
    images: [{ index: 0, file: `c${i}/img0000.png` }],
  }))
  const marked = markBest(cells)
  const protocol = { metricsVersion: '1', dataset: { path: '/d', sha256: 'x', nImages: 2 }, sampler: { seed: 0, noise: 'n' } } as unknown as SweepCard
  return {
    format: SWEEP_FORMAT, version: SWEEP_VERSION, protocol, grid, imagesDir, unavailable: { fid: 'too few images' },
    images: [{ index: 0, path: '/d/a.png', original: { file: 'original/img0000.png' } }, { index: 1, path: '/d/b.png' }],
    best: marked.best, timing: { encodeMsPerImage: 1, totalMs: 10 }, cells: marked.cells,
  }
}

async function writeImages(dir: string): Promise<void> {
  await png(dir, 'original/img0000.png', 0)
  for (let c = 0; c < 4; c++) await png(dir, `c${c}/img0000.png`, c + 1)
}

beforeAll(async () => {
  root = await allowRoot(mkdtempSync(join(tmpdir(), 'flowmo-open-sweep-')))
  outside = mkdtempSync(join(tmpdir(), 'flowmo-open-sweep-outside-'))
  await writeImages(join(root, 'images'))
  await writeImages(outside)
})

describe('openSweep', () => {
  it('inlines the image grid files: the same cells, the files’ own PNG bytes, no notices', async () => {
    const saved = result(join(root, 'images'))
    await writeSweep(join(root, 'sweep.json'), saved)
    const { path, result: opened, notices } = await openSweep(join(root, 'sweep.json'))
    expect(path).toBe(join(root, 'sweep.json'))
    expect(notices).toEqual([])
    expect(opened.cells.map((c) => [c.steps, c.rho, c.metrics.psnr, c.best])).toEqual(saved.cells.map((c) => [c.steps, c.rho, c.metrics.psnr, c.best]))
    opened.cells.forEach((cell, c) => expect(cell.images).toEqual([{ index: 0, png: pngs[`c${c}/img0000.png`].toString('base64') }]))
    expect(opened.images[0].original).toEqual({ png: pngs['original/img0000.png'].toString('base64') })
    expect(opened.images[1].original).toBeUndefined()
    expect(opened.best).toEqual(saved.best)
  })

  it('leaves out grid images it may not read, and says which folder to open', async () => {
    await writeSweep(join(root, 'elsewhere.json'), result(outside))
    const { result: opened, notices } = await openSweep(join(root, 'elsewhere.json'))
    expect(opened.cells.every((c) => c.images.length === 0)).toBe(true)
    expect(opened.images[0].original).toBeUndefined()
    expect(notices).toEqual([`5 image files of the image grid not shown: open the folder ${outside} to allow reading them`])
  })

  it('counts missing grid files', async () => {
    await writeSweep(join(root, 'missing.json'), result(join(root, 'nothing-here')))
    const { notices } = await openSweep(join(root, 'missing.json'))
    expect(notices).toEqual([`5 image files of the image grid not shown: missing from ${join(root, 'nothing-here')}`])
  })

  it('refuses a JSON file that is not a sweep, naming the field', async () => {
    writeFileSync(join(root, 'report.json'), JSON.stringify({ metrics: { psnr: 20 }, protocol: {} }))
    await expect(openSweep(join(root, 'report.json'))).rejects.toMatchObject({ code: 'not-a-sweep', message: expect.stringMatching(/is not a FlowMo sweep file: .*format must be "flowmo-sweep"/) })
    writeFileSync(join(root, 'broken.json'), '{"format": "flowmo-sweep", "cel')
    await expect(openSweep(join(root, 'broken.json'))).rejects.toMatchObject({ code: 'not-a-sweep' })
  })

  it('refuses a sweep file outside the allowed roots', async () => {
    await writeSweep(join(outside, 'sweep.json'), result(outside))
    await expect(openSweep(join(outside, 'sweep.json'))).rejects.toMatchObject({ code: 'forbidden' })
  })
})
