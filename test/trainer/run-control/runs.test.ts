// Training runs through TrainerService: a real 3-step run in a worker thread (run:step, run:sample, run:checkpoint,
// run:done; listRuns while it trains), stopRun ending a long run with a checkpoint, the event loop free during
// steps, a second run on the same folder refused, resume after a stop, the onnxruntime engine, and openRunFolder / runSample on the folder it wrote.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { RunRequest, TrainerEvents } from '../../../src/shared/protocol'
import { TrainerService } from '../../../src/trainer/service'
import { makeRunFixture } from './fixture'
import { workMs } from '../../fixtures/work-wait'

type Event = { [K in keyof TrainerEvents]: [K, TrainerEvents[K]] }[keyof TrainerEvents]

function engine() {
  const events: Event[] = []
  const emit = <K extends keyof TrainerEvents>(name: K, payload: TrainerEvents[K]) => void events.push([name, payload] as Event)
  const of = <K extends keyof TrainerEvents>(name: K) => events.filter(([n]) => n === name).map(([, p]) => p as TrainerEvents[K])
  const ended = (runId: string) =>
    vi.waitUntil(() => events.find(([n, p]) => (n === 'run:done' || n === 'run:error') && 'runId' in p && p.runId === runId), { timeout: workMs, interval: 20 })
  return { events, of, ended, trainer: new TrainerService(emit, 'cpu') }
}

/** setTimeout(0) callbacks this event loop ran between each of the next `n` + 1 step events (`steps()` counts them). */
async function timerTicksPerStep(steps: () => number, n: number): Promise<number[]> {
  const counts: number[] = []
  let [ticks, seen] = [0, steps()]
  while (counts.length <= n) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    ticks++
    if (steps() === seen) continue
    counts.push(ticks) // the first count starts mid-step: dropped below
    ;[ticks, seen] = [0, steps()]
  }
  return counts.slice(1)
}

const fixture = await makeRunFixture()
let stoppedAt = 0 // the step the long run was stopped at
const request = (out: string, over: Partial<RunRequest> = {}): RunRequest => ({
  data: fixture.data, out: join(fixture.root, out), config: fixture.config, maxSteps: 3, batchSize: 2, lr: 1e-3,
  perceptual: 'none', logEvery: 1, sampleEvery: 2, valEvery: 2, valImages: 2, checkpointEvery: 1000, engine: 'tfjs', ...over,
})

describe('training runs in the engine', () => {
  it('trains a short run in a worker and reports steps, samples, validation, a checkpoint and done', async () => {
    const { trainer, of, ended } = engine()
    const { runId } = await trainer.startRun(request('short'))
    const listed = await trainer.listRuns()
    expect(listed).toMatchObject([{ runId, stage: '1a', engine: 'tfjs', maxSteps: 3, out: join(fixture.root, 'short') }])
    expect(await ended(runId)).toEqual(['run:done', { runId, status: 'finished', step: 3, lastCheckpoint: expect.stringMatching(/step-000003\.safetensors$/) }])
    const steps = of('run:step')
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3])
    for (const e of steps) {
      expect(e.runId).toBe(runId)
      expect(Number.isFinite(e.losses.flow_loss) && e.losses.flow_loss > 0).toBe(true)
      expect(e.itS).toBeGreaterThan(0)
    }
    const samples = of('run:sample')
    expect(samples.map((e) => e.step)).toEqual([2, 3])
    const [h, w, c] = samples[0].shape
    expect([h, w, c]).toEqual([32, 32, 3]) // two 16×16 images: originals on top, reconstructions below
    expect(samples[0].pixels).toHaveLength(h * w * 3)
    expect(of('run:validation')[0]).toMatchObject({ runId, step: 2, bitBalance: expect.any(Array) })
    expect(of('run:checkpoint').map((e) => e.step)).toEqual([3])
    expect(await trainer.listRuns()).toEqual([])
  })

  it('stops a long run with a checkpoint at the step it reached, keeping the engine responsive', async () => {
    const { trainer, of, ended } = engine()
    const { runId } = await trainer.startRun(request('long', { maxSteps: 100_000, sampleEvery: 100_000, valEvery: 100_000 }))
    await expect(trainer.startRun(request('long'))).rejects.toMatchObject({ code: 'run-active' })
    await vi.waitUntil(() => of('run:step').length >= 2, { timeout: workMs, interval: 10 })
    // the steps run in the worker, not on this event loop: timers keep firing while a step trains. Counted against the
    // run's own step events, not a wall-clock bound, so a loaded machine slows both sides alike
    const ticksPerStep = await timerTicksPerStep(() => of('run:step').length, 3)
    expect(Math.min(...ticksPerStep)).toBeGreaterThanOrEqual(5)
    expect((await trainer.listRuns())[0]).toMatchObject({ runId, state: 'training', losses: { flow_loss: expect.any(Number) } })
    expect(await trainer.stopRun({ runId })).toEqual({ stopping: true })
    const [name, done] = await ended(runId)
    expect(name).toBe('run:done')
    const summary = done as TrainerEvents['run:done']
    expect(summary.status).toBe('stopped')
    expect(summary.step).toBeGreaterThanOrEqual(2)
    expect(existsSync(summary.lastCheckpoint!)).toBe(true)
    expect(await trainer.stopRun({ runId })).toEqual({ stopping: false })
    stoppedAt = summary.step
  })

  it('resumes the stopped run from its checkpoint on the same folder (config from its run.json)', async () => {
    const { trainer, of, ended } = engine()
    const { config: _c, ...withoutConfig } = request('long', { maxSteps: stoppedAt + 1 })
    const { runId } = await trainer.startRun({ ...withoutConfig, resume: true })
    expect(await ended(runId)).toMatchObject(['run:done', { runId, status: 'finished', step: stoppedAt + 1 }])
    expect(of('run:start')).toEqual([{ runId, step: stoppedAt, maxSteps: stoppedAt + 1, stage: '1a' }])
    expect(of('run:step').map((e) => e.step)).toEqual([stoppedAt + 1])
  })

  it('trains on the onnxruntime step graph when asked', async () => {
    const { trainer, of, ended } = engine()
    const { runId } = await trainer.startRun(request('ort', { maxSteps: 2, engine: 'onnxruntime' }))
    expect(await ended(runId)).toMatchObject(['run:done', { runId, status: 'finished', step: 2 }])
    expect(of('run:log').map((e) => e.line)).toContain('training engine: onnxruntime (step graph)')
    expect(of('run:step').map((e) => e.step)).toEqual([1, 2])
  })

  it('opens the folder a run wrote: metrics, samples, checkpoints, run.json; a sample as pixels', async () => {
    const { trainer } = engine()
    const history = await trainer.openRunFolder({ dir: join(fixture.root, 'short') })
    expect(history.metrics.filter((m) => 'flow_loss' in m).map((m) => m.step)).toEqual([1, 2, 3])
    expect(history.metrics.filter((m) => 'val_psnr' in m).map((m) => m.step)).toEqual([2, 3])
    expect(history.badLines).toBe(0)
    expect(history.samples.map((s) => s.step)).toEqual([2, 3])
    expect(history.checkpoints.map((s) => s.step)).toEqual([3])
    expect(history.run).toMatchObject({ options: { maxSteps: 3, stage: '1a' } })
    expect(history.activeRunId).toBeNull()
    const sample = await trainer.runSample({ dir: history.dir, step: 3 })
    expect(sample.shape).toEqual([32, 32, 3])
    expect(sample.pixels).toHaveLength(32 * 32 * 3)
    await expect(trainer.runSample({ dir: history.dir, step: 1 })).rejects.toMatchObject({ code: 'not-found' })
    await expect(trainer.openRunFolder({ dir: fixture.data })).rejects.toMatchObject({ code: 'not-a-run' })
  })

  it('reports a run that cannot start (no usable image) as run:error, and forgets it', async () => {
    const { trainer, ended } = engine()
    const empty = join(fixture.root, 'empty')
    mkdirSync(empty)
    const { runId } = await trainer.startRun({ ...request('failed'), data: empty })
    const [name, payload] = await ended(runId)
    expect(name).toBe('run:error')
    expect(payload).toMatchObject({ runId, code: 'internal', lastCheckpoint: null, message: expect.stringMatching(/usable|image/i) })
    expect(await trainer.listRuns()).toEqual([])
  })

  it('refuses folders outside the allowed roots', async () => {
    const { trainer } = engine()
    await expect(trainer.startRun({ ...request('x'), data: '/etc' })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(trainer.startRun({ ...request('x'), out: '/tmp-not-allowed/run' })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(trainer.openRunFolder({ dir: '/etc' })).rejects.toMatchObject({ code: 'forbidden' })
  })
})
