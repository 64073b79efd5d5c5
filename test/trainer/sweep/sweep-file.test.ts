// Saving and reopening a sweep: a saved result reads back equal (∞ PSNR included), and a corrupted file is refused
// with the field that is wrong: truncated JSON, another format, a missing cell, a cell off the grid, a short
// per-image list, and a hand-edited metric whose best mark is stale.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gridSettings, type SweepGrid } from '../../../src/trainer/sweep/grid'
import { loadSweep, SweepFileError, writeSweep } from '../../../src/trainer/sweep/sweep-file'
import { markBest, SWEEP_FORMAT, SWEEP_VERSION, type SweepCard, type SweepResult } from '../../../src/trainer/sweep/sweep-result'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-file-'))
const grid: SweepGrid = { steps: [2, 4], rho: [1, 4], cfg: [1.5], interval: [[0.17, 1.02]] }

function result(): SweepResult {
  const cells = gridSettings(grid).map((s, i) => ({
    ...s, schedule: `pow_${1 / s.rho}`, cfgIntervalT: [0.145, 0.505] as const, nfe: s.steps + 1, timeMsPerImage: 3 + i,
    metrics: { psnr: i === 3 ? Infinity : 20 + i, ssim: 0.5 - i / 10 },
    perImage: { psnr: [20 + i, i === 3 ? Infinity : 20 + i], ssim: [0.5 - i / 10, 0.5 - i / 10] },
    images: [{ index: 0, png: 'iVBORw0KGgo=' }],
  }))
  const marked = markBest(cells)
  const protocol = { metricsVersion: '1', dataset: { path: '/d', sha256: 'x', nImages: 2 }, sampler: { seed: 0, noise: 'n' } } as unknown as SweepCard
  return {
    format: SWEEP_FORMAT, version: SWEEP_VERSION, protocol, grid, imagesDir: null, unavailable: { fid: 'too few images' },
    images: [{ index: 0, path: '/d/a.png', original: { png: 'iVBORw0KGgo=' } }, { index: 1, path: '/d/b.png' }],
    best: marked.best, timing: { encodeMsPerImage: 1, totalMs: 10 }, cells: marked.cells,
  }
}

/** Saves the result, applies `edit` to the parsed JSON and writes it back. */
async function corrupted(name: string, edit: (json: any) => void): Promise<string> {
  const path = join(tmp, `${name}.json`)
  await writeSweep(path, result())
  const json = JSON.parse(readFileSync(path, 'utf8'))
  edit(json)
  writeFileSync(path, JSON.stringify(json))
  return path
}

describe('sweep file', () => {
  it('reads back what it saved, infinite PSNR included', async () => {
    const path = join(tmp, 'ok.json')
    await writeSweep(path, result())
    expect(readFileSync(path, 'utf8')).toContain('"psnr": "Infinity"')
    const back = await loadSweep(path)
    expect(back).toEqual(result())
    expect(back.best.psnr).toEqual({ cell: 3, value: Infinity })
  })

  it('refuses a truncated file', async () => {
    const path = join(tmp, 'cut.json')
    await writeSweep(path, result())
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200))
    await expect(loadSweep(path)).rejects.toThrow(SweepFileError)
  })

  it.each([
    ['another format', (j: any) => (j.format = 'flowmo-eval'), /format must be "flowmo-sweep"/],
    ['a newer version', (j: any) => (j.version = 2), /version 2 is not supported/],
    ['a missing cell', (j: any) => j.cells.pop(), /one cell per grid setting \(4\)/],
    ['a cell off the grid', (j: any) => (j.cells[1].rho = 2), /cells\[1\] is not the grid's setting/],
    ['a short per-image list', (j: any) => j.cells[2].perImage.ssim.pop(), /cells\[2\]\.perImage\.ssim must hold 2 numbers/],
    ['a metric that is not a number', (j: any) => (j.cells[0].metrics.psnr = 'high'), /cells\[0\]\.metrics\.psnr must be a number/],
    ['a stale best mark', (j: any) => (j.cells[0].metrics.ssim = 0.9), /best\.ssim does not match the cells \(cell 0, 0\.9\)/],
    ['a second best mark', (j: any) => j.cells[1].best.push('psnr'), /only cell marked best in psnr/],
    ['an image without a path', (j: any) => delete j.images[1].path, /images\[1\] needs index, path/],
  ])('refuses %s', async (name, edit, message) => {
    const path = await corrupted(name.replace(/ /g, '-'), edit)
    await expect(loadSweep(path)).rejects.toThrow(message)
  })
})
