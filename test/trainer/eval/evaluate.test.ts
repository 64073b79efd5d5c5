// evaluate() on the golden tiny-a checkpoint and real photos: an interrupted run resumed gives the numbers of an
// uninterrupted one, a journal from another protocol is refused, and a missing Inception file is reported, not faked.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evaluate, type EvalOptions } from '../../../src/trainer/eval/evaluate'
import { JournalMismatchError } from '../../../src/trainer/eval/journal'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { recomputedPsnrs } from './recompute-psnr'

process.env.FLOWMO_BACKEND = 'wasm'
const set = join(goldenDir(), 'tiny-a')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-evaluate-'))

const options = (name: string, extra: Partial<EvalOptions> = {}): EvalOptions => ({
  source: { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') },
  dataDir: join(goldenDir(), '..', 'data', 'photos', 'val-64'), n: 4,
  sampling: { steps: 2 }, seed: 0, metrics: ['psnr', 'ssim'], psnr: 'per-image', quantise: 'truncate', ssim: 'skimage-default-7x7',
  batchSize: 2, weightsDir: join(tmp, 'no-weights'), path: 'tfjs', jsonPath: join(tmp, `${name}.json`), csvPath: join(tmp, `${name}.csv`),
  ...extra,
})

/** Runs until `stopAt` images are journalled, then stops as Ctrl-C would. */
async function interrupted(name: string, stopAt: number, extra: Partial<EvalOptions> = {}) {
  const stop = new AbortController()
  return evaluate(options(name, { ...extra, signal: stop.signal, onProgress: (done) => done >= stopAt && stop.abort() }))
}

describe('evaluate', () => {
  it('resumes an interrupted eval to the numbers of an uninterrupted one', async () => {
    const whole = await evaluate(options('whole'))
    const first = await interrupted('resumed', 2)
    expect(first.report).toBeNull()
    expect(readFileSync(first.journal, 'utf8').trim().split('\n')).toHaveLength(1 + 2) // card + 2 images
    const rest = await evaluate(options('resumed', { batchSize: 3 })) // --batch is not on the card: noise is per image index
    expect(rest.resumed).toBe(2)
    expect(rest.report!.metrics).toEqual(whole.report!.metrics)
    expect(rest.report!.codes).toEqual(whole.report!.codes)
    expect(readFileSync(join(tmp, 'resumed.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'whole.csv'), 'utf8'))
    expect(whole.report!.protocol.sampler.steps).toBe(2)
  })

  it('reports each image’s PSNR as recomputed from its own encode → decode from its noise, and their mean', async () => {
    const out = await evaluate(options('recomputed', { n: 3 }))
    const rows = await recomputedPsnrs(join(tmp, 'recomputed.csv'), options('recomputed').source, { steps: 2 }, 0)
    expect(rows).toHaveLength(3)
    for (const [, reported, recomputed] of rows) expect(reported).toBeCloseTo(recomputed, 4)
    expect(out.report!.metrics.psnr).toBeCloseTo(rows.reduce((a, [, , p]) => a + p, 0) / 3, 4)
  })

  it('refuses a journal written under another protocol, naming the fields', async () => {
    await interrupted('other', 2)
    const error = await evaluate(options('other', { sampling: { steps: 3 } })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JournalMismatchError)
    expect((error as Error).message).toMatch(/sampler\.steps: 2 → 3/)
  })

  it('refuses an output another live process is evaluating into, naming it; writes nothing there', async () => {
    const lock = `${join(tmp, 'busy.json')}.partial.jsonl.lock`
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z' }))
    await expect(evaluate(options('busy'))).rejects.toThrow(new RegExp(`another eval \\(pid ${process.ppid}, started 2026-01-01T00:00:00.000Z\\) is writing \\S+busy\\.json; wait for it or choose another --json`))
    expect(existsSync(join(tmp, 'busy.json')) || existsSync(join(tmp, 'busy.json.partial.jsonl'))).toBe(false)
    expect(readFileSync(lock, 'utf8')).toContain(String(process.ppid))
  })

  it('reports FID and LPIPS as unavailable with the weight files they need', async () => {
    const out = await evaluate(options('fid', { n: 2, metrics: ['psnr', 'fid', 'lpips'] }))
    expect(Object.keys(out.report!.metrics)).toEqual(['psnr'])
    expect(out.report!.unavailable.fid).toMatch(/pt_inception-2015-12-05-6726825d\.pth/)
    expect(out.report!.unavailable.lpips_alex).toMatch(/alexnet-owt-7be5be79\.pth/)
    expect(out.report!.unavailable.lpips_vgg).toMatch(/vgg16-397923af\.pth/)
    expect(out.report!.protocol.lpips).toBeNull()
    expect(out.report!.protocol.network).toBeNull()
  })
})
