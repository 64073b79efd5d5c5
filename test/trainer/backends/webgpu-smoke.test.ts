// WebGPU smoke test on Dawn over Mesa's software GL (compatibility level): Trainer.trainStep of the tiny config (Stage
// 1A, and Stage 1B through its checkpointed chain) matches the same steps on wasm with tf memory flat, and `flowmo train
// --backend webgpu` checkpoints and resumes on wasm's losses. Without the GL stack this fails naming the apt packages.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, type BackendInfo } from '../../../src/trainer/backend'
import { MESA_GL_PACKAGES, NO_SYNC_READ, webGpuAdapter } from '../../../src/trainer/backends/webgpu'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap } from '../../../src/trainer/model/weights'
import type { PerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { Trainer, type TrainerConfig } from '../../../src/trainer/train/trainer'
import { makeRunFixture, type RunFixture } from '../train/run-fixture'
import { baseTrainer, smoothImages, tinyConfig } from '../train/tiny'

const BIN = resolve(__dirname, '../../../bin/flowmo.mjs')
const SOFTWARE_GL = 'backend=opengles' // Mesa's GLES through EGL (surfaceless), even where a GPU exists

const pixelDistance: PerceptualLoss = {
  name: 'pixel-mse', label: 'pixel MSE (test stand-in)', isProxy: true,
  distance: (x, y) => tf.mean(tf.square(tf.sub(x, y))) as tf.Scalar,
  dispose: () => {},
}

interface StepResult {
  losses: number[] // total_loss of each step
  weights: Map<string, Float32Array> // after the first step
  tensors: number[] // tf.memory().numTensors after each step
}

let webgpu: BackendInfo
let f: RunFixture

beforeAll(async () => {
  process.env.WGPU_FLAGS = SOFTWARE_GL
  webgpu = await initBackend('webgpu')
  f = await makeRunFixture()
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

/** `steps` Trainer.trainStep calls of the tiny config on `backend` from seed-0 weights, batch 2 per chunk. */
async function trainSteps(backend: string, steps: number, cfg: TrainerConfig = baseTrainer, perceptual: PerceptualLoss | null = null): Promise<StepResult> {
  await initBackend(backend)
  const model = new FlowMo(tinyConfig())
  const weights = initWeights(model, 0)
  const trainer = new Trainer(model, weights, cfg, perceptual, 0)
  const batch = 2 * cfg.gradAccumulation
  const x = smoothImages(batch, 16)
  const losses = [(await trainer.trainStep(x, batch)).total_loss]
  const values = new Map<string, Float32Array>()
  for (const [name, v] of weights) values.set(name, (await v.data()) as Float32Array)
  const tensors = [tf.memory().numTensors]
  for (let i = 1; i < steps; i++) {
    losses.push((await trainer.trainStep(x, batch)).total_loss)
    tensors.push(tf.memory().numTensors)
  }
  trainer.dispose()
  disposeWeightMap(weights)
  return { losses, weights: values, tensors }
}

/** Largest |a − b| over every weight, relative to the largest |b|. */
function relativeDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let [diff, scale] = [0, 0]
  for (const [name, w] of b) {
    const other = a.get(name)!
    w.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(other[i] - v))
      scale = Math.max(scale, Math.abs(v))
    })
  }
  return diff / scale
}

/** `flowmo train` of the run fixture; returns the process result. */
function train(backend: string, out: string, maxSteps: number, extra: string[] = []) {
  const args = [
    BIN, 'train', '--backend', backend, '--data', f.data, '--config', f.configPath, '--out', out, '--max-steps', String(maxSteps),
    '--checkpoint-every', '2', '--batch', '2', '--lr', '1e-3', '--perceptual', 'none', '--log-every', '1',
    '--sample-every', '1000', '--val-every', '1000', '--val-images', '2', ...extra,
  ]
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, WGPU_FLAGS: SOFTWARE_GL }, timeout: trainMs })
}

/** One `flowmo train` process at most: software GL on a loaded 2-core machine is slow (the three runs of the resume test took 86 s beside a training run); a hung one is killed, as a synchronous spawn cannot be timed out by the runner. */
const trainMs = 240_000

const flowLosses = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { step: number; flow_loss?: number }).filter((r) => r.flow_loss !== undefined)

describe('webgpu backend (Dawn on Mesa software GL)', () => {
  it('starts on a compatibility-level adapter', () => {
    const hint = `WebGPU did not start; on Debian/Ubuntu install ${MESA_GL_PACKAGES} (apt-get install -y ${MESA_GL_PACKAGES})`
    expect(webgpu.name, `${hint}\n${webgpu.notices.join('\n')}`).toBe('webgpu')
    expect(webgpu.notices).toEqual([`webgpu adapter: ${webGpuAdapter()}`])
    expect(webGpuAdapter()).toMatch(/, compatibility$/)
  })

  it('Trainer.trainStep: one Stage-1A step matches wasm to 1e-5 (loss and weights), tf memory stays flat', async () => {
    expect(webgpu.name, 'the webgpu backend did not start (see the test above)').toBe('webgpu')
    const onGpu = await trainSteps('webgpu', 3)
    const onWasm = await trainSteps('wasm', 1)
    const init = initWeights(new FlowMo(tinyConfig()), 0)
    const start = new Map([...init].map(([name, v]) => [name, v.dataSync() as Float32Array]))
    disposeWeightMap(init)
    expect(Number.isFinite(onGpu.losses[0]) && onGpu.losses[0] > 0).toBe(true)
    expect(Math.abs(onGpu.losses[0] - onWasm.losses[0]) / onWasm.losses[0]).toBeLessThanOrEqual(1e-5) // 8e-7 measured
    expect(onGpu.weights.size).toBe(onWasm.weights.size)
    expect(relativeDiff(onGpu.weights, start)).toBeGreaterThan(5e-4) // Adam's first step: about lr = 1e-3 (1.1e-3 measured)
    expect(relativeDiff(onGpu.weights, onWasm.weights)).toBeLessThanOrEqual(1e-5) // 1.2e-6 measured: the update itself agrees
    expect(new Set(onGpu.tensors.slice(1)).size).toBe(1) // flat once the first step created the Adam state
  })

  it('Trainer.trainStep: Stage-1B steps (checkpointed 2-step chain, 2 accumulation chunks) match wasm to 1e-5', async () => {
    expect(webgpu.name, 'the webgpu backend did not start (see the first test)').toBe('webgpu')
    const cfg: TrainerConfig = { ...baseTrainer, stage: '1b', chainSteps: 2, perceptualWeight: 0.01, gradAccumulation: 2 }
    const onGpu = await trainSteps('webgpu', 2, cfg, pixelDistance)
    const onWasm = await trainSteps('wasm', 2, cfg, pixelDistance)
    onGpu.losses.forEach((l, i) => expect(Math.abs(l - onWasm.losses[i]) / onWasm.losses[i], `step ${i + 1}`).toBeLessThanOrEqual(1e-5))
    expect(relativeDiff(onGpu.weights, onWasm.weights)).toBeLessThanOrEqual(1e-5)
    expect(onGpu.tensors[1]).toBe(onGpu.tensors[0])
  })

  it('flowmo train --backend webgpu checkpoints and resumes, on the losses of an uninterrupted wasm run', () => {
    const [gpu, cpu] = [join(f.root, 'webgpu'), join(f.root, 'wasm')]
    const first = train('webgpu', gpu, 4)
    expect(first.status, first.stderr).toBe(0)
    expect(first.stderr).toMatch(/checkpoint \S+step-000004\.safetensors/)
    const resumed = train('webgpu', gpu, 6, ['--resume'])
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/resuming from \S+step-000004\.safetensors \(step 4\)/)
    expect(resumed.stdout).toMatch(/finished at step 6/)
    expect(JSON.parse(readFileSync(join(gpu, 'run.json'), 'utf8')).backend.name).toBe('webgpu')
    const straight = train('wasm', cpu, 6)
    expect(straight.status, straight.stderr).toBe(0)
    const [a, b] = [flowLosses(gpu), flowLosses(cpu)]
    expect(a.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6])
    a.forEach((r, i) => expect(Math.abs(r.flow_loss! - b[i].flow_loss!) / b[i].flow_loss!, `step ${r.step}`).toBeLessThan(1e-5))
  }, 3 * trainMs)

  it('a synchronous read of GPU data still fails with a message that says what to use instead', async () => {
    await initBackend('webgpu')
    const y = tf.square(tf.tensor1d([1, 2, 3]))
    expect(() => y.dataSync()).toThrow(NO_SYNC_READ)
    expect(Array.from(await y.data())).toEqual([1, 4, 9])
    y.dispose()
  })
})
