// WebGPU smoke test: one Stage-1A step of the tiny config on Dawn over Mesa's software GL (compatibility level)
// matches the same step on wasm. Without the GL stack this fails with the apt packages to install; never skipped.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, type BackendInfo } from '../../../src/trainer/backend'
import { MESA_GL_PACKAGES, NO_SYNC_READ, webGpuAdapter } from '../../../src/trainer/backends/webgpu'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap } from '../../../src/trainer/model/weights'
import { Adam } from '../../../src/trainer/train/optim'
import { stage1aLoss } from '../../../src/trainer/train/stage1a'
import { StepRandom, drawFlow } from '../../../src/trainer/train/step-random'
import { Trainer } from '../../../src/trainer/train/trainer'
import { captureNorms, projectNorms } from '../../../src/trainer/train/weight-norm'
import { baseTrainer, smoothImages, tinyConfig } from '../train/tiny'

interface StepResult {
  loss: number // total_loss
  weights: Map<string, Float32Array>
}

let webgpu: BackendInfo

beforeAll(async () => {
  process.env.WGPU_FLAGS = 'backend=opengles' // Mesa's GLES through EGL (surfaceless), even where a GPU exists
  webgpu = await initBackend('webgpu')
}, 30_000)

/**
 * One Stage-1A step of the tiny config on `backend` from seed-0 weights, from the pieces Trainer.trainStep runs
 * (same draw, loss, Adam groups and norm projection; one chunk). Trainer.trainStep itself reads its losses with
 * dataSync, which Dawn in Node cannot do (see the last test); this reads them with await.
 */
async function oneStep(backend: string): Promise<StepResult> {
  await initBackend(backend)
  const model = new FlowMo(tinyConfig())
  const weights = initWeights(model, 0)
  const names = [...weights.keys()]
  const adam = new Adam(['encoder.', 'decoder.'].map((prefix) => ({ name: prefix, lr: baseTrainer.lr, params: names.filter((n) => n.startsWith(prefix)) })))
  const norms = captureNorms(weights)
  const x = tf.tensor4d(smoothImages(2, 16), [2, 3, 16, 16])
  const draw = drawFlow(new StepRandom(baseTrainer.seed, 0, 0), 2, 16, baseTrainer.timeDistribution, baseTrainer.cfgDropout)
  const ctx = { model, weights, perceptual: null, perceptualWeight: 0 }
  const nameOf = new Map([...weights].map(([name, v]) => [v.name, name]))
  const { value, grads } = tf.variableGrads(() => stage1aLoss(ctx, x, draw).total, [...weights.values()])
  const loss = (await value.data())[0]
  adam.step(weights, new Map(Object.entries(grads).map(([vn, g]) => [nameOf.get(vn)!, g])))
  projectNorms(weights, norms)
  const values = new Map<string, Float32Array>()
  for (const [name, v] of weights) values.set(name, (await v.data()) as Float32Array)
  tf.dispose([x, value, ...Object.values(grads)])
  adam.dispose()
  disposeWeightMap(weights)
  return { loss, weights: values }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
}

describe('webgpu backend (Dawn on Mesa software GL)', () => {
  it('starts on a compatibility-level adapter', () => {
    const hint = `WebGPU did not start; on Debian/Ubuntu install ${MESA_GL_PACKAGES} (apt-get install -y ${MESA_GL_PACKAGES})`
    expect(webgpu.name, `${hint}\n${webgpu.notices.join('\n')}`).toBe('webgpu')
    expect(webgpu.notices).toEqual([`webgpu adapter: ${webGpuAdapter()}`])
    expect(webGpuAdapter()).toMatch(/, compatibility$/)
  })

  it('one Stage-1A step of the tiny config matches wasm to 1e-3 (loss and updated weights)', async () => {
    expect(webgpu.name, 'the webgpu backend did not start (see the test above)').toBe('webgpu')
    const onGpu = await oneStep('webgpu')
    const onWasm = await oneStep('wasm')
    const init = initWeights(new FlowMo(tinyConfig()), 0)
    expect(Number.isFinite(onGpu.loss) && onGpu.loss > 0).toBe(true)
    expect(Math.abs(onGpu.loss - onWasm.loss)).toBeLessThanOrEqual(1e-3)
    let [worst, moved] = [0, 0]
    for (const [name, w] of onWasm.weights) {
      worst = Math.max(worst, maxAbsDiff(onGpu.weights.get(name)!, w))
      moved = Math.max(moved, maxAbsDiff(onGpu.weights.get(name)!, init.get(name)!.dataSync() as Float32Array))
    }
    disposeWeightMap(init)
    expect(onGpu.weights.size).toBe(onWasm.weights.size)
    expect(moved).toBeGreaterThan(5e-4) // Adam's first step moves weights by about lr = 1e-3
    expect(worst).toBeLessThanOrEqual(1e-4) // 1.2e-6 measured; far below the step size, so the update itself agrees
  }, 60_000)

  it('Trainer.trainStep stops with a clear message: its dataSync loss read has no Node equivalent on WebGPU', async () => {
    await initBackend('webgpu')
    const model = new FlowMo(tinyConfig())
    const weights = initWeights(model, 0)
    const trainer = new Trainer(model, weights, baseTrainer, null, 0)
    expect(() => trainer.trainStep(smoothImages(2, 16), 2)).toThrow(NO_SYNC_READ)
    trainer.dispose()
    disposeWeightMap(weights)
  })
})
