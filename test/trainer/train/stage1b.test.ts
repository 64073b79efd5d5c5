// Stage 1B: gradients through the checkpointed chain equal plain autodiff, and peak memory does not grow with k.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { FlowMo, codeInput } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { quantize } from '../../../src/trainer/model/lfq'
import { TfOps } from '../../../src/trainer/model/tf-ops'
import { disposeWeightMap, type WeightMap } from '../../../src/trainer/model/weights'
import type { PerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { chainGrid, runChain } from '../../../src/trainer/sample/chain'
import { chainSample } from '../../../src/trainer/train/stage1b'
import { StepRandom, drawChain } from '../../../src/trainer/train/step-random'
import { Trainer } from '../../../src/trainer/train/trainer'
import { baseTrainer, smoothImages, tinyConfig } from './tiny'

beforeAll(async () => {
  await initBackend()
})

/** A stand-in perceptual network: per-image mean squared difference (differentiable, no weights). */
const pixelDistance: PerceptualLoss = {
  name: 'pixel-mse', label: 'pixel MSE (test stand-in)', isProxy: true,
  distance: (x, y) => tf.mean(tf.square(tf.sub(x, y))) as tf.Scalar,
  dispose: () => {},
}

/** ∂ mean((chain − x)²)/∂θ_decoder; `probe` samples memory inside every decoder call and at the end of the forward. */
function chainGrads(model: FlowMo, weights: WeightMap, k: number, checkpointed: boolean, probe?: () => void): Map<string, Float32Array> {
  const x = tf.tensor4d(smoothImages(2, 16), [2, 3, 16, 16])
  const d = drawChain(new StepRandom(5, 0, 0), 2, 16, k)
  const decoderVars = [...weights].filter(([n]) => n.startsWith('decoder.')).map(([, v]) => v)
  const { value, grads } = tf.variableGrads(() => {
    const o = new TfOps(weights)
    const codeIn = codeInput(o, quantize(model.encode(o, x)))
    const ctx = { model, weights, perceptual: null, perceptualWeight: 0, chainSteps: k, probe }
    const out = checkpointed
      ? chainSample(ctx, codeIn, d, 2)
      : runChain((z, t) => model.decode(o, z, codeIn, t), tf.tensor4d(d.z0, [2, 3, 16, 16]), chainGrid(d.u, 2, k), 2, k)
    const loss = tf.mean(tf.square(tf.sub(out, x))) as tf.Scalar
    probe?.()
    return loss
  }, decoderVars)
  const byVar = new Map([...weights].map(([n, v]) => [v.name, n]))
  const out = new Map(Object.entries(grads).map(([vn, g]) => [byVar.get(vn)!, g.dataSync() as Float32Array]))
  tf.dispose([value, x, ...Object.values(grads)])
  return out
}

describe('checkpointed Stage-1B chain', () => {
  it('gives the same parameter gradients as plain autodiff (≤ 1e-5 relative)', () => {
    const model = new FlowMo(tinyConfig({ decoderDepth: 2 }))
    const weights = initWeights(model, 11)
    const plain = chainGrads(model, weights, 3, false)
    const ckpt = chainGrads(model, weights, 3, true)
    expect(plain.size).toBeGreaterThan(20)
    for (const [name, g] of plain) {
      const c = ckpt.get(name)!
      const scale = Math.max(...Array.from(g, Math.abs), 1e-12)
      const diff = Math.max(...Array.from(g, (v, i) => Math.abs(v - c[i])))
      expect(diff / scale, name).toBeLessThanOrEqual(1e-5)
    }
    const tensorsBefore = tf.memory().numTensors
    chainGrads(model, weights, 3, true)
    expect(tf.memory().numTensors).toBe(tensorsBefore) // the recompute leaves nothing behind
    disposeWeightMap(weights)
  })

  it('peak memory for k = 8 is well under 8× the k = 1 figure (plain autodiff grows ~k×, as the probe shows)', () => {
    const model = new FlowMo(tinyConfig({ decoderDepth: 2 }))
    const weights = initWeights(model, 12)
    const peakAbove = (k: number, checkpointed: boolean): number => {
      const base = tf.memory().numBytes
      let peak = base
      chainGrads(model, weights, k, checkpointed, () => { peak = Math.max(peak, tf.memory().numBytes) })
      return peak - base
    }
    const [ck1, ck8, plain1, plain8] = [peakAbove(1, true), peakAbove(8, true), peakAbove(1, false), peakAbove(8, false)]
    console.log(`chain peak above baseline: checkpointed k=1 ${ck1} B, k=8 ${ck8} B; plain k=1 ${plain1} B, k=8 ${plain8} B`)
    expect(ck8).toBeLessThan(2 * ck1)
    expect(plain8).toBeGreaterThan(4 * plain1) // the measurement does see activations that pile up
    disposeWeightMap(weights)
  })

  it('a Stage-1B training step with k = 8 peaks well under 8× the k = 1 step', async () => {
    const model = new FlowMo(tinyConfig({ decoderDepth: 2 }))
    const weights = initWeights(model, 13)
    const x = smoothImages(2, 16)
    const stepPeak = async (k: number): Promise<number> => {
      const trainer = new Trainer(model, weights, { ...baseTrainer, stage: '1b', chainSteps: k, perceptualWeight: 0.01, lr: 0 }, pixelDistance, 0)
      await trainer.trainStep(x, 2) // Adam state exists from here on
      const base = tf.memory().numBytes
      let peak = base
      trainer.probe = () => { peak = Math.max(peak, tf.memory().numBytes) }
      expect((await trainer.trainStep(x, 2)).perceptual_loss).toBeGreaterThan(0)
      trainer.dispose()
      return peak - base
    }
    const [one, eight] = [await stepPeak(1), await stepPeak(8)]
    console.log(`Stage-1B step peak above baseline: k=1 ${one} B, k=8 ${eight} B (${(eight / one).toFixed(2)}×)`)
    expect(eight).toBeLessThan(2 * one)
    disposeWeightMap(weights)
  })
})
