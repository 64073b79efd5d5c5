// The evaluation jobs through TrainerService on the golden tiny-a checkpoint and real photos: evaluate ends in
// job:done with the report (and writes report.json), sweep pushes its originals, sweep:cell per cell, then the result, a sweep
// is cancelled, and paths outside the allowed roots are refused.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import sharp from 'sharp'
import type { EvaluateResult, ModelFile, TrainerEvents } from '../../../src/shared/protocol'
import { allowRoot } from '../../../src/trainer/files'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { TrainerService } from '../../../src/trainer/service'
import { recomputedPsnrs } from '../eval/recompute-psnr'
import { workMs } from '../../fixtures/work-wait'

const meanOf = (x: Uint8Array): number => x.reduce((a, v) => a + v, 0) / x.length
/** PSNR of two 8-bit images, from the definition (peak 255). */
const psnrOfPixels = (a: Uint8Array, b: Uint8Array): number => 10 * Math.log10(255 ** 2 / (a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length))

type Event = { [K in keyof TrainerEvents]: [K, TrainerEvents[K]] }[keyof TrainerEvents]

function engine() {
  const events: Event[] = []
  const emit = <K extends keyof TrainerEvents>(name: K, payload: TrainerEvents[K]) => void events.push([name, payload] as Event)
  const ofJob = <K extends keyof TrainerEvents>(name: K, jobId: string) =>
    events.filter(([n, p]) => n === name && 'jobId' in p && p.jobId === jobId).map(([, p]) => p as TrainerEvents[K])
  const ended = (jobId: string) =>
    vi.waitUntil(() => events.find(([n, p]) => (n === 'job:done' || n === 'job:error') && p.jobId === jobId), { timeout: workMs, interval: 20 })
  const namesOf = (jobId: string) => events.filter(([, p]) => 'jobId' in p && p.jobId === jobId).map(([n]) => n)
  return { ofJob, namesOf, ended, trainer: new TrainerService(emit, 'cpu') }
}

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const model: ModelFile = { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }
let out: string

beforeAll(async () => {
  for (const root of [set, data]) await allowRoot(root)
  out = await allowRoot(mkdtempSync(join(tmpdir(), 'flowmo-jobs-')))
})

describe('evaluation jobs', () => {
  it('evaluates a checkpoint: progress, then the report with its protocol card, also written to out', async () => {
    const { trainer, ofJob, ended } = engine()
    const { jobId } = await trainer.evaluate({ model, data, n: 3, metrics: ['psnr', 'ssim'], path: 'tfjs', out: join(out, 'eval') })
    const [name, payload] = await ended(jobId)
    expect(name).toBe('job:done')
    type Report = { metrics: Record<string, number>; nImages: number; protocol: { dataset: { nImages: number }; sampler: { steps: number; seed: number } } }
    const report = (payload as TrainerEvents['job:done']).result as Report
    expect(report.nImages).toBe(3)
    const { steps, seed } = report.protocol.sampler
    const rows = await recomputedPsnrs(join(out, 'eval', 'per-image.csv'), model, { steps }, seed)
    expect(rows.map(([path]) => path)).toEqual(['val64_0000.png', 'val64_0001.png', 'val64_0002.png'].map((f) => join(data, f)))
    for (const [, reported, recomputed] of rows) expect(reported).toBeCloseTo(recomputed, 4)
    expect(report.metrics.psnr).toBeCloseTo(rows.reduce((a, [, , p]) => a + p, 0) / 3, 4)
    expect(report.metrics.ssim).toBeGreaterThan(0)
    expect(report.protocol.dataset.nImages).toBe(3)
    expect(ofJob('job:progress', jobId).at(-1)).toMatchObject({ done: 3, total: 3 })
    expect(JSON.parse(readFileSync(join(out, 'eval', 'report.json'), 'utf8'))).toMatchObject({ metrics: { psnr: report.metrics.psnr } })
    expect(existsSync(join(out, 'eval', 'per-image.csv'))).toBe(true)
    // a row per image: its own scores (as recomputed) and thumbnails whose PSNR is the row's
    const perImage = (report as unknown as EvaluateResult).perImage
    expect(perImage.map((r) => [r.index, r.path])).toEqual(rows.map(([path], i) => [i, path]))
    perImage.forEach((r, i) => expect(r.scores.psnr).toBeCloseTo(rows[i][2], 4))
    for (const r of perImage) {
      expect([r.original!.h, r.original!.w, r.reconstruction!.h]).toEqual([32, 32, 32])
      expect(psnrOfPixels(r.original!.pixels, r.reconstruction!.pixels)).toBeCloseTo(r.scores.psnr, 0)
      const file = await sharp(r.path).resize(32, 32).removeAlpha().raw().toBuffer()
      expect(Math.abs(meanOf(r.original!.pixels) - meanOf(file))).toBeLessThan(2)
    }
  })

  it('diffs two saved reports: the protocol fields that differ (the seed), both reports back', async () => {
    const { trainer, ended } = engine()
    const { jobId } = await trainer.evaluate({ model, data, n: 3, seed: 7, metrics: ['psnr', 'ssim'], path: 'tfjs', out: join(out, 'eval-seed7') })
    expect((await ended(jobId))[0]).toBe('job:done')
    const diff = await trainer.diffEvalReports({ a: join(out, 'eval', 'report.json'), b: join(out, 'eval-seed7', 'report.json') })
    expect(diff.differences.map((d) => d.field)).toEqual(['sampler.seed'])
    expect(diff.differences[0]).toMatchObject({ a: 0, b: 7 })
    expect(diff.a.report.metrics.psnr).toBe(JSON.parse(readFileSync(join(out, 'eval', 'report.json'), 'utf8')).metrics.psnr)
    expect(diff.b.report.nImages).toBe(3)
    await expect(trainer.diffEvalReports({ a: join(out, 'eval', 'per-image.csv'), b: join(out, 'eval', 'report.json') })).rejects.toThrow(/per-image\.csv: not JSON/)
  })

  it('sweeps a grid: the originals, one sweep:cell per setting in order, then the result with best cells marked', async () => {
    const { trainer, ofJob, namesOf, ended } = engine()
    const grid = { steps: [2, 3], rho: [1, 4] }
    const { jobId } = await trainer.sweep({ model, data, grid, limit: 2, gridImages: 1, path: 'tfjs', out: join(out, 'sweep.json') })
    const [name, payload] = await ended(jobId)
    expect(name).toBe('job:done')
    const cells = ofJob('sweep:cell', jobId)
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3])
    expect(cells.map((c) => [c.cell.steps, c.cell.rho])).toEqual([[2, 1], [2, 4], [3, 1], [3, 4]])
    const pushes = namesOf(jobId).filter((n) => n.startsWith('sweep:'))
    expect(pushes).toEqual(['sweep:originals', ...cells.map(() => 'sweep:cell')])
    const [originals] = ofJob('sweep:originals', jobId)
    expect(originals.images.map((im) => [im.index, 'png' in (im.original ?? {})])).toEqual([[0, true], [1, false]]) // gridImages: 1
    const result = (payload as TrainerEvents['job:done']).result as { cells: { metrics: Record<string, number> }[]; best: Record<string, { cell: number }> }
    expect(result.cells.map((c) => c.metrics.psnr)).toEqual(cells.map((c) => c.cell.metrics.psnr))
    const psnrs = result.cells.map((c) => c.metrics.psnr)
    expect(result.best.psnr.cell).toBe(psnrs.indexOf(Math.max(...psnrs))) // higher PSNR is better
    expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).cells).toHaveLength(4)
  })

  it('cancels a sweep: job:error "cancelled", no result', async () => {
    const { trainer, ofJob, ended } = engine()
    const { jobId } = await trainer.sweep({ model, data, grid: { steps: [2, 4, 8, 16, 32], rho: [1, 2, 4, 8] }, limit: 4, path: 'tfjs' })
    await vi.waitUntil(() => ofJob('job:progress', jobId).length > 0, { timeout: workMs, interval: 5 })
    expect(await trainer.cancelJob({ jobId })).toEqual({ cancelled: true })
    expect(await ended(jobId)).toEqual(['job:error', { jobId, message: 'cancelled', code: 'cancelled' }])
    expect(ofJob('sweep:cell', jobId).length).toBeLessThan(20)
  })

  it('refuses a checkpoint or an output outside the allowed roots', async () => {
    const { trainer, ended } = engine()
    const refused = [
      await trainer.evaluate({ model: { checkpoint: '/etc/passwd' }, data }),
      await trainer.sweep({ model, data, grid: {}, out: '/not-allowed/sweep.json' }),
    ]
    for (const { jobId } of refused) expect(await ended(jobId)).toMatchObject(['job:error', { jobId, code: 'forbidden' }])
  })
})
