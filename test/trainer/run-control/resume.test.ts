// Pause and resume through TrainerService (issue 7): stopRun then startRun({ data, out, resume: true }) continues from
// the stopped step with the run's own settings (run.json unchanged), elapsed time counting on, listRuns reporting the
// checkpoint step at once; a finished run resumed with a larger maxSteps goes on to it; a resume with no checkpoint yet
// starts over cleanly, from `init` when given; a fresh run in a used folder is refused.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
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
  const of = <K extends keyof TrainerEvents>(name: K, runId: string) =>
    events.filter(([n, p]) => n === name && 'runId' in p && p.runId === runId).map(([, p]) => p as TrainerEvents[K])
  const ended = (runId: string) =>
    vi.waitUntil(() => events.find(([n, p]) => (n === 'run:done' || n === 'run:error') && 'runId' in p && p.runId === runId), { timeout: workMs, interval: 20 })
  return { of, ended, trainer: new TrainerService(emit, 'cpu') }
}

const fixture = await makeRunFixture()
const request = (out: string, over: Partial<RunRequest> = {}): RunRequest => ({
  data: fixture.data, out: join(fixture.root, out), config: fixture.config, maxSteps: 100_000, batchSize: 2, lr: 1e-3, perceptual: 'none',
  logEvery: 1, sampleEvery: 100_000, valEvery: 100_000, valImages: 2, checkpointEvery: 1000, keepLast: 5, engine: 'tfjs', ...over,
})
const runJson = (out: string) => {
  const { startedAt: _a, startedAtStep, options, ...rest } = JSON.parse(readFileSync(join(fixture.root, out, 'run.json'), 'utf8'))
  const { resume: _r, ...knobs } = options
  return { startedAtStep, run: { ...rest, options: knobs } }
}

/** Trains until `steps` step events arrived, then stops the run (it checkpoints); resolves run:done. */
async function trainThenStop(e: ReturnType<typeof engine>, req: RunRequest, steps: number) {
  const { runId } = await e.trainer.startRun(req)
  await vi.waitUntil(() => e.of('run:step', runId).length >= steps, { timeout: workMs, interval: 10 })
  await e.trainer.stopRun({ runId })
  const [name, done] = await e.ended(runId)
  expect(name).toBe('run:done')
  return { runId, done: done as TrainerEvents['run:done'] }
}

describe('pause and resume of a run', () => {
  it('continues a stopped run from its step with the settings in run.json; listRuns reports the checkpoint step', async () => {
    const e = engine()
    const first = await trainThenStop(e, request('paused'), 2)
    const before = runJson('paused')
    const { runId } = await e.trainer.startRun({ data: fixture.data, out: join(fixture.root, 'paused'), resume: true })
    const [info] = await e.trainer.listRuns()
    expect(info).toMatchObject({ runId, firstStep: first.done.step, step: first.done.step, lastCheckpoint: first.done.lastCheckpoint, maxSteps: 100_000 })
    await vi.waitUntil(() => e.of('run:step', runId).length >= 1, { timeout: workMs, interval: 10 })
    expect((await e.trainer.listRuns())[0]).toMatchObject({ runId, firstStep: first.done.step })
    await e.trainer.stopRun({ runId })
    await e.ended(runId)
    expect(e.of('run:start', runId)).toEqual([{ runId, step: first.done.step, maxSteps: 100_000, stage: '1a' }])
    expect(e.of('run:step', runId)[0].step).toBe(first.done.step + 1)
    const pausedAt = e.of('run:step', first.runId).at(-1)!.elapsedS
    expect(e.of('run:step', runId)[0].elapsedS).toBeGreaterThan(pausedAt) // elapsed goes on from the paused segment's
    const after = runJson('paused')
    expect(after.run).toEqual(before.run) // same model, data, batch size, lr, schedule … as the run that was paused
    expect(after.startedAtStep).toBe(first.done.step)
    await expect(e.trainer.startRun({ data: fixture.data, out: join(fixture.root, 'paused'), resume: true, stage: '1b' }))
      .rejects.toThrow(/paused is a run with stage 1a \(\S+\.safetensors\); a resume continues it as such, so stage 1b is refused/)
  })

  it('extends a finished run: a resume with a larger maxSteps continues from its last checkpoint to the new end', async () => {
    const e = engine()
    const first = await e.trainer.startRun(request('extended', { maxSteps: 2 }))
    expect(await e.ended(first.runId)).toMatchObject(['run:done', { status: 'finished', step: 2 }])
    const { runId } = await e.trainer.startRun({ data: fixture.data, out: join(fixture.root, 'extended'), resume: true, maxSteps: 4 })
    expect(await e.ended(runId)).toMatchObject(['run:done', { status: 'finished', step: 4 }])
    expect(e.of('run:start', runId)).toEqual([{ runId, step: 2, maxSteps: 4, stage: '1a' }])
    expect(e.of('run:step', runId).map((s) => s.step)).toEqual([3, 4])
    expect(runJson('extended').run.options).toMatchObject({ maxSteps: 4, batchSize: 2, lr: 1e-3 }) // the rest of the run's settings kept
  })

  it('starts over cleanly when resuming a folder with no checkpoint yet: the earlier attempt\'s records and samples go', async () => {
    const e = engine()
    await trainThenStop(e, request('crashed', { maxSteps: 3, sampleEvery: 2, valEvery: 2 }), 3)
    const dir = join(fixture.root, 'crashed')
    for (const f of readdirSync(join(dir, 'checkpoints'))) writeFileSync(join(dir, 'checkpoints', f), 'cut short by a kill')
    expect(readdirSync(join(dir, 'samples'))).toEqual(['step-000002.png', 'step-000003.png'])
    const { runId } = await e.trainer.startRun(request('crashed', { maxSteps: 1, resume: true }))
    expect((await e.trainer.listRuns())[0]).toMatchObject({ runId, firstStep: 0, lastCheckpoint: null })
    expect(await e.ended(runId)).toMatchObject(['run:done', { status: 'finished', step: 1 }])
    expect(e.of('run:start', runId)).toMatchObject([{ step: 0 }])
    const records = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number })
    expect(records.map((r) => r.step)).toEqual([1, 1]) // the new run's step and its final validation, nothing older
    expect(readdirSync(join(dir, 'samples'))).toEqual(['step-000001.png'])
  })

  it('a resume with init and no checkpoint yet starts from init; with a checkpoint it continues it', async () => {
    const e = engine()
    const { done } = await trainThenStop(e, request('stage1a'), 1)
    const { runId } = await e.trainer.startRun(request('stage1b', { stage: '1b', init: done.lastCheckpoint!, resume: true, maxSteps: 1 }))
    expect(await e.ended(runId)).toMatchObject(['run:done', { status: 'finished', step: 1 }])
    const lines = e.of('run:log', runId).map((l) => l.line)
    expect(lines.filter((l) => l.startsWith(`initialising from ${done.lastCheckpoint} `))).toHaveLength(1)
    const again = await e.trainer.startRun(request('stage1b', { stage: '1b', init: done.lastCheckpoint!, resume: true, maxSteps: 2 }))
    expect(await e.ended(again.runId)).toMatchObject(['run:done', { status: 'finished', step: 2 }])
    expect(e.of('run:start', again.runId)).toMatchObject([{ step: 1 }])
    expect(existsSync(join(fixture.root, 'stage1b', 'checkpoints', 'step-000002.safetensors'))).toBe(true)
  })

  it('refuses the perceptual proxy on images smaller than its deepest features (16 px here) before a worker starts', async () => {
    const e = engine()
    await expect(e.trainer.startRun(request('tiny-proxy', { perceptual: 'proxy' }))).rejects.toMatchObject({
      code: 'invalid-request', message: expect.stringMatching(/perceptual proxy needs images of at least 32 px, this model's are 16 px/),
    })
    expect(existsSync(join(fixture.root, 'tiny-proxy'))).toBe(false)
  })

  it('refuses a fresh run in a folder an earlier run wrote to, before any file changes', async () => {
    const e = engine()
    await trainThenStop(e, request('used'), 1)
    const dir = join(fixture.root, 'used')
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    await expect(e.trainer.startRun(request('used'))).rejects.toMatchObject({ code: 'run-folder-used', message: expect.stringMatching(/already holds a run .*resume it/) })
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(metrics)
    expect(await e.trainer.listRuns()).toEqual([])
  })
})
