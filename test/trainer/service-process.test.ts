// The engine as its own process (child_process.fork, as web mode runs it) while it trains: status and echo keep
// answering within a fraction of a training step, because the run lives in a worker thread; stopRun ends it.
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../../src/shared/protocol'
import { createClient, type RpcClient } from '../../src/shared/rpc'
import { allowRootsVariable } from '../../src/trainer/files'
import { buildConfig } from '../../src/trainer/model/configs'
import { makeRunFixture, type RunFixture } from './run-control/fixture'
import { workMs } from '../fixtures/work-wait'

const entry = fileURLToPath(new URL('../../src/trainer/index.ts', import.meta.url))
// big enough that one step takes far longer than a call's round trip
const stack = { hiddenSize: 64, numHeads: 2, axesDim: [8, 12, 12] }
const model = buildConfig({
  name: 'test-small', imageSize: 32, patchSize: 4, codeLength: 16, contextDim: 8, codebookSizeForEntropy: 4,
  encoder: { ...stack, depth: 2 }, decoder: { ...stack, depth: 2 },
})

describe('engine process during a training run', () => {
  let child: ChildProcess
  let engine: RpcClient<TrainerApi, TrainerEvents>
  let fixture: RunFixture

  beforeAll(async () => {
    fixture = await makeRunFixture(8, model)
    const env = { ...process.env, FLOWMO_BACKEND: 'cpu', [allowRootsVariable]: fixture.root }
    child = fork(entry, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit', env })
    engine = createClient<TrainerApi, TrainerEvents>(
      { postMessage: (m) => void child.send(m as never), onMessage: (l) => (child.on('message', l), () => void child.off('message', l)) },
      trainerMethods,
    )
    await new Promise((resolve) => engine.on('engine:status', resolve))
  })
  afterAll(() => void child.kill())

  it('answers status while a run trains, then stops the run with a checkpoint', async () => {
    const steps: TrainerEvents['run:step'][] = []
    engine.on('run:step', (e) => steps.push(e))
    const done = new Promise<TrainerEvents['run:done']>((resolve) => engine.on('run:done', resolve))
    const { runId } = await engine.startRun({
      data: fixture.data, out: join(fixture.root, 'run'), config: fixture.config, maxSteps: 100_000, batchSize: 4,
      perceptual: 'none', logEvery: 1, sampleEvery: 100_000, valEvery: 100_000, valImages: 2, engine: 'tfjs',
    })
    await vi.waitUntil(() => steps.length >= 2, { timeout: workMs, interval: 10 })
    const latencies: number[] = []
    while (steps.length < 3) {
      const t0 = performance.now()
      expect((await engine.status()).backend).toBe('cpu')
      latencies.push(performance.now() - t0)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const stepMs = Math.min(...steps.slice(1).map((e) => e.stepMs))
    const worst = latencies.reduce((a, b) => Math.max(a, b), 0)
    console.info(`status round trip during training: max ${worst.toFixed(1)} ms over ${latencies.length} calls; step ${stepMs.toFixed(0)} ms`)
    expect(latencies.length).toBeGreaterThan(5)
    expect(worst).toBeLessThan(stepMs / 2)
    expect((await engine.listRuns()).map((r) => r.runId)).toEqual([runId])
    await engine.stopRun({ runId })
    expect(await done).toMatchObject({ runId, status: 'stopped', lastCheckpoint: expect.stringMatching(/\.safetensors$/) })
  })
})
