// Training runs in-process: layout, checkpoint contents, resume state, truncated checkpoints, pruning, NaN stop.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { openWeights } from '../../../src/trainer/checkpoint/checkpoint'
import { impliedConfig } from '../../../src/trainer/inference/infer-config'
import { codeInput, FlowMo } from '../../../src/trainer/model/flowmo'
import { quantize } from '../../../src/trainer/model/lfq'
import { TfOps } from '../../../src/trainer/model/tf-ops'
import { disposeWeightMap, loadWeightMap } from '../../../src/trainer/model/weights'
import { loadCheckpoint } from '../../../src/trainer/train/checkpointing'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { startingPoint } from '../../../src/trainer/train/run-setup'
import { TrainingRun } from '../../../src/trainer/train/run'
import type { RunOptions } from '../../../src/trainer/train/run-options'
import { NonFiniteLossError } from '../../../src/trainer/train/trainer'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'

let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture()
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

/** A run whose batch at trainer step `at` has NaN pixels (a wrapped trainer), so that step's losses are NaN. */
class NanBatchAt extends TrainingRun {
  constructor(private readonly at: number, opts: RunOptions) {
    super(opts)
  }

  protected override createTrainer(...args: Parameters<TrainingRun['createTrainer']>) {
    const trainer = super.createTrainer(...args)
    const step = trainer.trainStep.bind(trainer)
    trainer.trainStep = (x, batch) => step(trainer.step === this.at ? x.slice().fill(NaN) : x, batch)
    return trainer
  }
}

const metrics = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

describe('TrainingRun', () => {
  it('writes the run directory: run.json, checkpoints, metrics.jsonl, samples, and keeps last K plus every M', async () => {
    const out = join(f.root, 'run-a')
    const steps: number[] = []
    const run = new TrainingRun(tinyRunOptions(f, out, { maxSteps: 8, checkpointEvery: 2, keepLast: 2, keepEvery: 4, sampleEvery: 4, valEvery: 4 }), {
      onStep: (e) => steps.push(e.step),
    })
    const summary = await run.start()
    expect(summary).toMatchObject({ status: 'finished', step: 8 })
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual([
      'step-000004.optim.safetensors', 'step-000004.safetensors', 'step-000006.optim.safetensors', 'step-000006.safetensors',
      'step-000008.optim.safetensors', 'step-000008.safetensors',
    ])
    expect(readdirSync(join(out, 'samples')).sort()).toEqual(['step-000004.png', 'step-000008.png'])
    const m = metrics(out)
    expect(m.filter((r) => 'flow_loss' in r).map((r) => r.step)).toEqual(steps)
    const val = m.filter((r) => 'val_psnr' in r)
    expect(val.map((r) => r.step)).toEqual([4, 8])
    expect(val[0].bit_balance).toHaveLength(6)
    for (const r of val) expect(r.val_s).toBeGreaterThan(0) // the seconds the step loop waited for it
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).config.imageSize).toBe(16)
  })

  it('saves raw + EMA weights and the config: save → load → forward is identical; resume restores them exactly', async () => {
    const out = join(f.root, 'run-a')
    const files = new RunDir(out).checkpointFiles(8)
    const w = await openWeights(files.model, { stateDict: 'raw' })
    expect(w.totalSteps).toBe(8)
    const implied = impliedConfig(w)
    expect(implied.source).toBe('metadata')
    const model = new FlowMo(implied.config)
    const fromFile = await loadWeightMap(model, w)
    await w.close()
    const start = await startingPoint(tinyRunOptions(f, out, { resume: true }), new RunDir(out), () => {})
    expect(start.step).toBe(8)
    const saved = await loadCheckpoint(files)
    for (const [name, v] of start.weights) expect(Array.from(v.dataSync()), name).toEqual(Array.from(saved.raw.get(name)!))
    const forward = (weights: ReadonlyMap<string, tf.Tensor>) => tf.tidy(() => {
      const o = new TfOps(weights)
      const x = tf.randomUniform([1, 3, 16, 16], -1, 1, 'float32', 1)
      return Array.from(model.decode(o, x, codeInput(o, quantize(model.encode(o, x))), tf.tensor1d([0.5])).dataSync())
    })
    expect(forward(fromFile)).toEqual(forward(start.weights))
    expect(saved.ema.size).toBe(saved.raw.size)
    expect(saved.loader?.nextItem).toBe(16) // 8 steps × batch 2
    disposeWeightMap(fromFile)
    disposeWeightMap(start.weights)
  })

  it('resume skips a truncated newest checkpoint and continues the step count from the one before', async () => {
    const out = join(f.root, 'run-a')
    const dir = new RunDir(out)
    truncateSync(dir.checkpointFiles(8).model, 1000)
    const skipped: string[] = []
    const steps: number[] = []
    const run = new TrainingRun(tinyRunOptions(f, out, { resume: true, maxSteps: 9 }), { onLog: (l) => skipped.push(l), onStep: (e) => steps.push(e.step) })
    await run.start()
    expect(skipped.some((l) => l.includes('skipping checkpoint') && l.includes('step-000008'))).toBe(true)
    expect(steps).toEqual([7, 8, 9])
    expect(metrics(out).filter((r) => 'flow_loss' in r).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('stops on a NaN loss naming the step and piece, and never touches the last good checkpoint', async () => {
    const out = join(f.root, 'run-nan')
    const run = new NanBatchAt(4, tinyRunOptions(f, out, { maxSteps: 10, checkpointEvery: 3 })) // the 5th step
    await expect(run.start()).rejects.toThrow(NonFiniteLossError)
    const dir = new RunDir(out)
    expect((await dir.listCheckpoints()).map((c) => c.step)).toEqual([3])
    const before = statSync(dir.checkpointFiles(3).model).mtimeMs
    const again = new NanBatchAt(3, tinyRunOptions(f, out, { resume: true, maxSteps: 10, checkpointEvery: 3 }))
    await expect(again.start()).rejects.toThrow(/step 4: flow_loss is NaN/)
    expect(statSync(dir.checkpointFiles(3).model).mtimeMs).toBe(before)
    expect(existsSync(dir.checkpointFiles(4).model)).toBe(false)
  })

  it('a data folder with no usable image is an error before anything is written', async () => {
    const out = join(f.root, 'run-bad')
    const run = new TrainingRun(tinyRunOptions(f, out, { data: join(f.root, 'nowhere') }))
    await expect(run.start()).rejects.toThrow(/no usable image in .*nowhere: not a folder/)
    expect(existsSync(out)).toBe(false)
  })
})
