// runSweep on the golden tiny-a checkpoint and real photos: one cell per setting in grid order, the same noise per
// image in every cell (a repeated cell is identical, and a cell equals `evaluate` at its setting), ρ changes the
// result, best cells marked, FID/KID and LPIPS left out with a reason (proxy KID once allowed; the next sweep reads the
// originals' features from the reference-statistics cache), progress, cancellation,
// the originals before the first cell, a warm-up decode that keeps a slow first decode out of the first cell's time,
// resuming an interrupted sweep from its journal, and a second sweep on the same output refused.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { evaluate } from '../../../src/trainer/eval/evaluate'
import { TfModel, type ModelSource } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { runSweep, type SweepOptions } from '../../../src/trainer/sweep/run-sweep'
import { loadSweep } from '../../../src/trainer/sweep/sweep-file'
import { partialDir } from '../../../src/trainer/sweep/sweep-journal'
import { TIMING_NOTE, type SweepResult } from '../../../src/trainer/sweep/sweep-result'

process.env.FLOWMO_BACKEND = 'wasm'
const set = join(goldenDir(), 'tiny-a')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-'))
const source = { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }
const dataDir = join(goldenDir(), '..', 'data', 'photos', 'val-64')

const options = (extra: Partial<SweepOptions> = {}): SweepOptions => ({
  source, dataDir, limit: 3, grid: { steps: [2, 4], rho: [1, 4] }, seed: 0, batchSize: 2,
  weightsDir: join(tmp, 'no-weights'), statsCacheDir: join(tmp, 'stats'), path: 'tfjs', inlineImages: true, gridImages: 2, ...extra,
})

let sweep: SweepResult
const progress: [number, number, string][] = []

beforeAll(async () => {
  sweep = await runSweep(options({ onProgress: (done, total, message) => progress.push([done, total, message]) }))
})

describe('runSweep', () => {
  it('gives one cell per setting, in grid order, with metrics, NFE and time per image', () => {
    expect(sweep.cells.map((c) => [c.steps, c.rho])).toEqual([[2, 1], [2, 4], [4, 1], [4, 4]])
    for (const c of sweep.cells) {
      expect(Object.keys(c.metrics).sort()).toEqual(['psnr', 'ssim'])
      expect(c.perImage.psnr).toHaveLength(3)
      expect(c.timeMsPerImage).toBeGreaterThan(0)
      expect(c.cfg).toBe(1.5) // the config's guidance, interval (.17,1.02) → NFE = steps + CFG steps inside it
      expect(c.nfe).toBeGreaterThanOrEqual(c.steps)
      expect(c.nfe).toBeLessThanOrEqual(2 * c.steps)
      expect(c.images.map((im) => im.index)).toEqual([0, 1]) // the grid holds the first two images
    }
    expect(sweep.cells[1].schedule).toBe('pow_0.25')
    expect(sweep.protocol).toMatchObject({ dataset: { nImages: 3 }, resolutionPx: 32, inference: { path: 'tfjs' }, sampler: { seed: 0 } })
    expect(sweep.images.map((im) => 'original' in im)).toEqual([true, true, false])
  })

  it('gives different results for ρ = 1 and ρ = 4', () => {
    for (const steps of [2, 4]) {
      const [a, b] = sweep.cells.filter((c) => c.steps === steps)
      expect(a.perImage.psnr).not.toEqual(b.perImage.psnr)
      expect(a.images[0]).not.toEqual(b.images[0])
    }
  })

  it('marks the best cell per metric', () => {
    for (const metric of ['psnr', 'ssim']) {
      const values = sweep.cells.map((c) => c.metrics[metric])
      const bestIndex = values.indexOf(Math.max(...values))
      expect(sweep.best[metric]).toEqual({ cell: bestIndex, value: values[bestIndex] })
      expect(sweep.cells.map((c) => c.best.includes(metric))).toEqual(sweep.cells.map((_, i) => i === bestIndex))
    }
  })

  it('says why LPIPS and FID/KID did not run', () => {
    expect(sweep.unavailable.lpips_alex).toMatch(/alexnet-owt-7be5be79\.pth/)
    expect(sweep.unavailable.fid).toMatch(/at least 2048 images; this sweep has 3/)
    expect(sweep.unavailable.kid).toMatch(/at least 2048 images/)
  })

  it('computes feature metrics once the set is large enough, the lowest marked best', async () => {
    const proxy = await runSweep(options({ grid: { steps: [2], rho: [1, 4] }, metrics: ['psnr', 'kid-proxy'], featureMinImages: 3, inlineImages: false }))
    expect(proxy.protocol.network?.name).toMatch(/^proxy: MobileNetV2/)
    expect(proxy.unavailable).toEqual({})
    const kid = proxy.cells.map((c) => c.metrics.kid_proxy)
    expect(kid.every(Number.isFinite)).toBe(true)
    expect(kid[0]).not.toBe(kid[1])
    expect(proxy.best.kid_proxy.value).toBe(Math.min(...kid))
    const again = await runSweep(options({ grid: { steps: [2], rho: [1] }, metrics: ['psnr', 'kid-proxy'], featureMinImages: 3, inlineImages: false }))
    expect(proxy.protocol.referenceStats?.cached).toBe(false)
    expect(again.protocol.referenceStats).toEqual({ ...proxy.protocol.referenceStats, cached: true })
    expect(again.cells[0].metrics.kid_proxy).toBe(kid[0])
  })

  it('reports progress over the encode pass and every cell', () => {
    expect(progress[0]).toEqual([0, 3 * 5, 'encode'])
    expect(progress.at(-1)).toEqual([15, 15, 'cell 4: s4-rho4-cfg1.5-sigma0.17-1.02'])
  })

  it('uses the same noise per image in every cell: a repeated cell is identical, and equals evaluate()', async () => {
    const repeated = await runSweep(options({ grid: { steps: [2, 2], rho: [4] }, batchSize: 3 }))
    const [a, b] = repeated.cells
    expect(a.metrics).toEqual(b.metrics)
    expect(a.images).toEqual(b.images)
    expect(a.perImage).toEqual(sweep.cells[1].perImage) // batch size does not change an image's noise
    const ev = await evaluate({
      source, dataDir, n: 3, sampling: { steps: 2, schedule: 'pow_0.25' }, seed: 0, metrics: ['psnr', 'ssim'], psnr: 'per-image',
      quantise: 'truncate', ssim: 'skimage-default-7x7', batchSize: 1, path: 'tfjs', weightsDir: join(tmp, 'no-weights'),
    })
    expect(ev.report!.metrics.psnr).toBeCloseTo(a.metrics.psnr, 10)
    expect(ev.report!.metrics.ssim).toBeCloseTo(a.metrics.ssim, 10)
  })

  it('decodes once untimed before the first cell: a slow first decode (a one-time cost) is in no cell\'s time', async () => {
    const ONE_TIME_MS = 1000
    const calls: number[] = [] // wall ms of each decode call
    const openSlowStart = async (src: ModelSource) => {
      await initBackend()
      const model = await TfModel.open(src)
      const decode = model.decode.bind(model)
      model.decode = async (...args) => {
        const t0 = performance.now()
        if (calls.length === 0) await new Promise((r) => setTimeout(r, ONE_TIME_MS))
        const out = await decode(...args)
        calls.push(performance.now() - t0)
        return out
      }
      return model
    }
    const order: string[] = []
    const timed = await runSweep(options({
      grid: { steps: [2], rho: [1, 4] }, openTfjs: openSlowStart,
      onOriginals: (images) => order.push(`originals ${images.filter((im) => im.original).length}`), onCell: (_, i) => order.push(`cell ${i}`),
    }))
    expect(calls).toHaveLength(1 + 2 * 2) // the warm-up, then 2 cells × 2 batches
    expect(calls[0]).toBeGreaterThanOrEqual(ONE_TIME_MS)
    const cellMs = timed.cells.map((c) => c.timeMsPerImage * 3)
    // each cell holds its own two decodes and not the slow one (a margin of half of it: a loaded machine adds jitter)
    for (const [cell, own] of [[0, calls[1] + calls[2]], [1, calls[3] + calls[4]]]) {
      expect(cellMs[cell]).toBeGreaterThanOrEqual(own - 1)
      expect(cellMs[cell]).toBeLessThan(own + ONE_TIME_MS / 2)
    }
    expect(timed.timing.note).toBe(TIMING_NOTE)
    expect(order).toEqual(['originals 2', 'cell 0', 'cell 1']) // the grid's originals come before any cell
  })

  it('stops when cancelled, after the cells already done', async () => {
    const stop = new AbortController()
    const done: number[] = []
    const run = runSweep(options({ signal: stop.signal, onCell: (_, index) => (done.push(index), stop.abort(new Error('stop'))) }))
    await expect(run).rejects.toThrow('stop')
    expect(done).toEqual([0])
  })

  it('resumes a sweep stopped after 2 cells: another seed is refused, the same request skips them and equals an uninterrupted run', async () => {
    const out = join(tmp, 'resumed.json')
    const stop = new AbortController()
    const interrupted = runSweep(options({ out, signal: stop.signal, onCell: (_, index) => index === 1 && stop.abort(new Error('stop')) }))
    await expect(interrupted).rejects.toThrow('stop')
    expect(existsSync(out)).toBe(false)
    await expect(runSweep(options({ out, seed: 1 }))).rejects.toThrow(/protocol\.sampler\.seed: 0 → 1.*delete .*resumed\.json\.partial/)
    const notices: string[] = []
    const resumed: boolean[] = []
    const result = await runSweep(options({ out, onNotice: (line) => notices.push(line), onCell: (_, index, r) => resumed.push(r) }))
    expect(notices).toContain(`resuming: 2 of 4 cells already scored (${partialDir(out)})`)
    expect(resumed).toEqual([true, true, false, false])
    const untimed = (r: SweepResult) => JSON.stringify({ ...r, timing: null, cells: r.cells.map((c) => ({ ...c, timeMsPerImage: 0 })) })
    expect(untimed(result)).toBe(untimed(sweep)) // every cell, metric, per-image value and PNG to the last bit
    expect(untimed(await loadSweep(out))).toBe(untimed(sweep))
    expect(existsSync(partialDir(out))).toBe(false)
  })

  it('refuses a second sweep writing the same output while one runs; the lock is gone after a cancel and after success', async () => {
    const out = join(tmp, 'locked.json')
    const stop = new AbortController()
    let started = (): void => {}
    const holding = new Promise<void>((resolve) => (started = resolve))
    const first = runSweep(options({ out, signal: stop.signal, onProgress: () => started(), onCell: () => stop.abort(new Error('stop')) }))
    await holding // the first sweep has taken the lock
    await expect(runSweep(options({ out }))).rejects.toThrow(/another sweep \(pid \d+, started .*\) is writing .*locked\.json; wait for it or choose another --out/)
    await expect(first).rejects.toThrow('stop')
    expect(readdirSync(partialDir(out))).not.toContain('lock') // the journal stays for a resume
    expect(readdirSync(partialDir(out))).toContain('journal.jsonl')
    await runSweep(options({ out }))
    expect(existsSync(partialDir(out))).toBe(false)
  })

  it('resumes feature metrics too: a journalled cell keeps its KID, the rest score against the same originals', async () => {
    const proxy = (extra: Partial<SweepOptions>) => options({ grid: { steps: [2], rho: [1, 4] }, metrics: ['psnr', 'kid-proxy'], featureMinImages: 3, inlineImages: false, ...extra })
    const whole = await runSweep(proxy({}))
    const out = join(tmp, 'kid.json')
    const stop = new AbortController()
    await expect(runSweep(proxy({ out, signal: stop.signal, onCell: () => stop.abort(new Error('stop')) }))).rejects.toThrow('stop')
    const flags: boolean[] = []
    const resumed = await runSweep(proxy({ out, onCell: (_, __, r) => flags.push(r) }))
    expect(flags).toEqual([true, false])
    expect(resumed.cells.map((c) => c.metrics)).toEqual(whole.cells.map((c) => c.metrics))
    expect(resumed.cells.every((c) => Number.isFinite(c.metrics.kid_proxy))).toBe(true)
  })
})
