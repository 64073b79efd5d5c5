// The Generate section's engine calls on the golden tiny-a tokenizer (32 px, 16 tokens × 6 bits): encode a folder of two
// classes, train a generator (gen:step per step, a checkpoint), sample a grid with its unmasking timeline — the arccos
// counts of committed sub-tokens per step, the last frame equal to the grid's sample — score it (proxy network, with the
// generation card in the protocol), and refuse an unknown class.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { EncodeCodesReport, GenerateReport, GenEvalReport, ModelSummary, TrainerEvents, TrainGeneratorReport } from '../../../src/shared/protocol'
import { initBackend } from '../../../src/trainer/backend'
import { allowRoot } from '../../../src/trainer/files'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { TrainerService } from '../../../src/trainer/service'
import { arccosRatio } from '../../../src/trainer/stage2/masking'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-generate-jobs-'))
const tinyA = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
type Event = { [K in keyof TrainerEvents]: [K, TrainerEvents[K]] }[keyof TrainerEvents]
const events: Event[] = []
const trainer = new TrainerService((name, payload) => void events.push([name, payload] as Event), 'wasm')

/** Starts a job and resolves with its report (rejects with its error). */
async function job<T>(started: Promise<{ jobId: string }>): Promise<T> {
  const { jobId } = await started
  const [name, payload] = await vi.waitUntil(() => events.find(([n, p]) => (n === 'job:done' || n === 'job:error') && p.jobId === jobId), { timeout: 300_000, interval: 50 })
  if (name === 'job:error') throw new Error(payload.message)
  return (payload as TrainerEvents['job:done']).result as T
}

let modelId = ''
beforeAll(async () => {
  await initBackend('wasm') // the proxy network's convolutions are slow on the cpu backend
  await allowRoot(tmp)
  await allowRoot(tinyA)
  for (const [cls, name] of [['a', 'val64_0001.png'], ['a', 'val64_0002.png'], ['a', 'val64_0003.png'], ['b', 'val64_0004.png'], ['b', 'val64_0005.png']]) {
    mkdirSync(join(tmp, 'data', cls), { recursive: true })
    copyFileSync(join(photos, name), join(tmp, 'data', cls, name))
  }
  const summary = await job<ModelSummary>(trainer.openModel({ path: join(tinyA, 'weights.safetensors'), config: join(tinyA, 'config.json') }))
  modelId = summary.modelId
})

describe('Stage-2 jobs on the engine', () => {
  it('encodes, trains, and samples a grid with its unmasking timeline', async () => {
    const codes = await job<EncodeCodesReport>(trainer.encodeCodes({ modelId, data: join(tmp, 'data'), out: join(tmp, 'codes.safetensors'), flip: true }))
    expect(codes).toMatchObject({ n: 10, positions: 16, bits: 6, subTokens: 1, vocabulary: 64, classes: ['a', 'b'] })

    const run = join(tmp, 'run')
    const started = trainer.trainGenerator({ codes: codes.out, out: run, preset: { hiddenSize: 32, depth: 1, numHeads: 2, mlpSize: 64 }, maxSteps: 2, batchSize: 2, checkpointEvery: 2 })
    const trained = await job<TrainGeneratorReport>(started)
    const { jobId } = await started
    const steps = events.filter(([n, p]) => n === 'gen:step' && p.jobId === jobId).map(([, p]) => p as TrainerEvents['gen:step'])
    expect(steps.map((e) => e.step)).toEqual([1, 2])
    for (const e of steps) expect(e.loss).toBeGreaterThan(0)
    expect(trained).toMatchObject({ step: 2, stopped: false })
    expect(existsSync(trained.checkpoint!)).toBe(true)
    expect(await trainer.generatorInfo({ run })).toMatchObject({ step: 2, classes: ['a', 'b'], positions: 16, subTokens: 1, vocabulary: 64 })

    const S = 4
    const sampling = { steps: S, temperature: 2, annealing: true, guidance: 1.5, guidanceSchedule: 'linear' as const, seed: 3 }
    const out = join(tmp, 'samples')
    const grid = await job<GenerateReport>(trainer.generate({ modelId, run, out, n: 4, sampling, decodeSteps: 2, timelineIndex: 1 }))
    expect(grid.images.map((im) => [im.h, im.w, im.pixels.length])).toEqual(Array(4).fill([32, 32, 32 * 32 * 3]))
    expect(grid.labels).toEqual(['a', 'b', 'a', 'b']) // round-robin
    expect(existsSync(join(out, 'sample_00003.png'))).toBe(true)
    expect(JSON.parse(readFileSync(join(out, 'generation.json'), 'utf8'))).toMatchObject({ n: 4, generator: { step: 2 } })
    // committed after step s: N − floor(N·acos(r)/(π/2)) with r = (s+1)/S, all N after the last (16 sub-tokens)
    const t = grid.timeline
    expect(t.index).toBe(1)
    const committedBy = (s: number) => t.committedAt.filter((c) => c <= s).length
    const expected = [0, 1, 2].map((s) => 16 - Math.max(1, Math.floor(16 * arccosRatio((s + 1) / S))))
    expect([0, 1, 2, 3].map(committedBy)).toEqual([...expected, 16])
    expect(t.frames).toHaveLength(S)
    // the last frame decodes the finished code with the sample's noise: the grid's sample 1, up to batch rounding
    const last = t.frames[S - 1].pixels
    const maxDiff = last.reduce((m, v, i) => Math.max(m, Math.abs(v - grid.images[1].pixels[i])), 0)
    expect(maxDiff).toBeLessThanOrEqual(1)
    // earlier frames decode a code with masked tokens (bits 0): a different image
    expect(t.frames[0].pixels).not.toEqual(last)

    const scored = await job<GenEvalReport>(trainer.genEval({ samples: out, ref: join(tmp, 'data'), proxy: true }))
    expect(Object.keys(scored.metrics)).toEqual(['FID-proxy', 'sFID-proxy', 'IS-proxy', 'precision', 'recall', 'KID-proxy'])
    expect(scored.protocol).toMatchObject({ proxy: true, samples: { n: 4, generation: { n: 4, generator: { step: 2 } } }, reference: { n: 5 } })

    await expect(job(trainer.generate({ modelId, run, out, n: 1, sampling, className: 'nope' }))).rejects.toThrow(/class 'nope' is not one of the run's classes \(a, b\)/)
  }, 600_000) // seconds on an idle machine; minutes under heavy load
})
