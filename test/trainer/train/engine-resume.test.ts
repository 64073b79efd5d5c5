// Both training engines write the same checkpoints and resume each other's runs: 2 steps on one engine, then a resume
// for 2 more on the other, lands where 4 steps on either engine land (weights, EMA, Adam moments, losses; float
// tolerance), and every run logs the same metric names.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { loadCheckpoint, type SavedCheckpoint } from '../../../src/trainer/train/checkpointing'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { TrainingRun } from '../../../src/trainer/train/run'
import type { RunOptions } from '../../../src/trainer/train/run-options'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'

let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture()
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

type Engine = RunOptions['engine']

async function train(out: string, engine: Engine, maxSteps: number, resume = false): Promise<void> {
  const summary = await new TrainingRun(tinyRunOptions(f, out, { engine, maxSteps, resume, checkpointEvery: 2, lr: 1e-3 })).start()
  expect(summary).toMatchObject({ status: 'finished', step: maxSteps })
}

const metrics = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>)
const losses = (out: string) => metrics(out).filter((r) => 'flow_loss' in r)

/** Adam's first moments (exp_avg.<name>) of a checkpoint. */
const moments = (c: SavedCheckpoint) => new Map([...c.optim.tensors].filter(([n]) => n.startsWith('exp_avg.')).map(([n, t]) => [n, t.data]))

/** max |a − b| over every tensor of two name → values maps, and max |a|. */
function compare(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>) {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
  let [diff, scale] = [0, 0]
  for (const [name, x] of a) {
    const y = b.get(name)!
    for (let i = 0; i < x.length; i++) [diff, scale] = [Math.max(diff, Math.abs(x[i] - y[i])), Math.max(scale, Math.abs(x[i]))]
  }
  return { diff, scale }
}

describe('engines resume each other', () => {
  it('2 steps tfjs + 2 onnxruntime, and 2 onnxruntime + 2 tfjs, equal 4 steps on one engine', async () => {
    const runs = { tfjs: join(f.root, 'tfjs-4'), onnxruntime: join(f.root, 'ort-4'), tfjsThenOrt: join(f.root, 'tfjs-ort'), ortThenTfjs: join(f.root, 'ort-tfjs') }
    await train(runs.tfjs, 'tfjs', 4)
    await train(runs.onnxruntime, 'onnxruntime', 4)
    await train(runs.tfjsThenOrt, 'tfjs', 2)
    await train(runs.tfjsThenOrt, 'onnxruntime', 4, true)
    await train(runs.ortThenTfjs, 'onnxruntime', 2)
    await train(runs.ortThenTfjs, 'tfjs', 4, true)
    const saved = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([k, out]) => [k, await loadCheckpoint(new RunDir(out).checkpointFiles(4))] as const)))
    const reference = saved.tfjs
    for (const [name, run] of Object.entries(saved)) {
      for (const part of ['raw', 'ema'] as const) {
        const { diff, scale } = compare(reference[part], run[part])
        expect(diff, `${name} ${part}`).toBeLessThan(1e-4 * scale)
      }
      const { diff, scale } = compare(moments(reference), moments(run))
      expect(diff, `${name} Adam exp_avg`).toBeLessThan(1e-4 * scale)
      expect(run.optim.metadata.adam_steps, name).toBe(reference.optim.metadata.adam_steps)
      const rows = losses(runs[name as keyof typeof runs])
      expect(rows.map((r) => r.step), name).toEqual([1, 2, 3, 4])
      expect(Object.keys(rows[3]).sort(), name).toEqual(Object.keys(losses(runs.tfjs)[3]).sort()) // the same metric names
      for (const [i, r] of rows.entries()) expect(Math.abs(r.total_loss - losses(runs.tfjs)[i].total_loss), `${name} step ${r.step}`).toBeLessThan(1e-4 * Math.abs(r.total_loss))
    }
  })
})
