// A training run survives an engine crash in web mode: a real engine process trains the tiny model, is killed
// (SIGKILL) after a checkpoint, and the clients see run:error 'engine-exited' → run:resumed → run:step continuing
// from the checkpoint's step (not 0) → run:done on the restarted engine; stopping the server stops a run with a
// checkpoint first, and a terminal's SIGINT does not reach into the engine's step.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { RestartPolicy } from '../../src/main/restart-policy'
import { EngineSupervisor, type EnginePush } from '../../src/server/engine-supervisor'
import type { RunRequest, RunStarted, TrainerEvents } from '../../src/shared/protocol'
import { makeRunFixture } from '../trainer/run-control/fixture'
import { workMs } from '../fixtures/work-wait'

const fixture = await makeRunFixture()
const stepOf = (path: string) => Number(/step-(\d+)\.safetensors$/.exec(path)![1])

describe('EngineSupervisor with a training run', () => {
  const pushes: EnginePush[] = []
  const engine = new EngineSupervisor({
    env: { FLOWMO_BACKEND: 'cpu', FLOWMO_ALLOW_ROOTS: fixture.root },
    policy: new RestartPolicy(3, 60_000, 50),
  })
  engine.onPush((push) => pushes.push(push))
  engine.start()
  afterAll(() => engine.stop())

  const runEvents = () => pushes.filter((p) => p.name.startsWith('run:'))
  const payloads = <K extends keyof TrainerEvents>(name: K) => pushes.filter((p) => p.name === name).map((p) => p.payload as TrainerEvents[K])

  it('resumes the run from its last checkpoint on the restarted engine and finishes it', async () => {
    const request: RunRequest = {
      data: fixture.data, out: join(fixture.root, 'crash'), config: fixture.config, maxSteps: 12, batchSize: 2, lr: 1e-3,
      perceptual: 'none', logEvery: 1, sampleEvery: 1000, valEvery: 1000, valImages: 2, checkpointEvery: 2, engine: 'tfjs',
    }
    const { runId } = (await engine.call('startRun', request)) as RunStarted
    await vi.waitUntil(() => payloads('run:checkpoint').length > 0, { timeout: workMs, interval: 5 })
    process.kill(engine.pid!, 'SIGKILL')
    await vi.waitUntil(() => payloads('run:done').length > 0, { timeout: workMs, interval: 20 })

    const [error] = payloads('run:error')
    expect(error).toMatchObject({ runId, code: 'engine-exited', message: expect.stringMatching(/SIGKILL/), lastCheckpoint: expect.stringMatching(/step-\d+\.safetensors$/) })
    const [resumed] = payloads('run:resumed')
    expect(resumed).toMatchObject({ previousRunId: runId, out: request.out, reason: 'the engine exited (SIGKILL)' })
    expect(resumed.runId).not.toBe(runId) // ids never repeat across engine restarts
    const from = stepOf(resumed.fromCheckpoint!)
    expect(from).toBeGreaterThanOrEqual(2)
    const after = runEvents().slice(runEvents().findIndex((p) => p.name === 'run:error'))
    expect(after.map((p) => p.name).filter((n) => n !== 'run:log' && n !== 'run:checkpoint')).toEqual([
      'run:error', 'run:resumed', 'run:start', ...Array.from({ length: 12 - from }, () => 'run:step'), 'run:sample', 'run:validation', 'run:done',
    ])
    const newRun = (name: keyof TrainerEvents) => after.filter((p) => p.name === name).map((p) => p.payload as { runId: string; step: number })
    expect(newRun('run:start')).toEqual([expect.objectContaining({ runId: resumed.runId, step: from })])
    expect(newRun('run:step').map((e) => e.step)).toEqual(Array.from({ length: 12 - from }, (_, i) => from + 1 + i))
    expect(newRun('run:done')).toEqual([expect.objectContaining({ runId: resumed.runId, status: 'finished', step: 12 })])
    expect(await engine.call('listRuns', undefined)).toEqual([])
    const metrics = readFileSync(join(request.out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>)
    expect(metrics.filter((m) => 'flow_loss' in m).map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)) // no step twice
  })

  it('stop() (flowmo serve ending) stops a training run with a checkpoint before the engine goes; Ctrl+C does not kill it mid-step', async () => {
    const request: RunRequest = {
      data: fixture.data, out: join(fixture.root, 'shutdown'), config: fixture.config, maxSteps: 100_000, batchSize: 2, lr: 1e-3,
      perceptual: 'none', logEvery: 1, sampleEvery: 100_000, valEvery: 100_000, valImages: 2, checkpointEvery: 100_000, engine: 'tfjs',
    }
    const { runId } = (await engine.call('startRun', request)) as RunStarted
    const steps = () => pushes.filter((p) => p.name === 'run:step' && (p.payload as { runId: string }).runId === runId).length
    await vi.waitUntil(() => steps() >= 2, { timeout: workMs, interval: 5 })
    process.kill(engine.pid!, 'SIGINT') // what a terminal's Ctrl+C sends to the whole process group
    const stepsAtSigint = steps()
    await vi.waitUntil(() => steps() > stepsAtSigint, { timeout: workMs, interval: 5 })
    await engine.stop()
    const done = payloads('run:done').find((d) => d.runId === runId)
    expect(done).toMatchObject({ status: 'stopped', lastCheckpoint: expect.stringMatching(/step-\d+\.safetensors$/) })
    expect(stepOf(done!.lastCheckpoint!)).toBe(done!.step)
    expect(payloads('run:error').filter((e) => e.runId === runId)).toEqual([])
  })
})
