// Stage-1A step: composes the golden loss pieces, overfits one batch, keeps tf memory flat, guards against NaN.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { openWeights } from '../../../src/trainer/checkpoint/checkpoint'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap, loadWeightMap } from '../../../src/trainer/model/weights'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { loadGoldenSet } from '../../../src/trainer/parity/golden-set'
import { stage1aLoss } from '../../../src/trainer/train/stage1a'
import { StepRandom, drawFlow } from '../../../src/trainer/train/step-random'
import { NonFiniteLossError, Trainer } from '../../../src/trainer/train/trainer'
import { baseTrainer, smoothImages, tinyConfig } from './tiny'

beforeAll(async () => {
  await initBackend()
})

describe('stage1aLoss', () => {
  it('with dropout off and no perceptual term equals the reference total_loss on tiny-a', async () => {
    const set = await loadGoldenSet(`${goldenDir()}/tiny-a`)
    const model = new FlowMo(set.config)
    const w = await openWeights(`${set.dir}/weights.safetensors`)
    const weights = await loadWeightMap(model, w, true)
    await w.close()
    const io = (n: string) => set.io.get(n)!
    let [total, flow] = [NaN, NaN]
    tf.tidy(() => {
      const x = tf.tensor4d(io('x').data, io('x').shape as [number, number, number, number])
      const B = x.shape[0]!
      const p = stage1aLoss({ model, weights, perceptual: null, perceptualWeight: 0.1 }, x, { eps: io('eps').data, t: io('t').data, keep: new Float32Array(B).fill(1) })
      ;[total, flow] = [p.total.dataSync()[0], p.flow.dataSync()[0]]
    })
    expect(Math.abs(total - io('total_loss').data[0]) / Math.abs(io('total_loss').data[0])).toBeLessThan(1e-5)
    expect(Math.abs(flow - io('flow_loss').data[0])).toBeLessThan(1e-5)
    disposeWeightMap(weights)
  })
})

describe('Trainer (Stage 1A)', () => {
  it('overfits one batch: the loss on a fixed draw falls a lot in 30 steps, and tf memory stays flat', async () => {
    const model = new FlowMo(tinyConfig())
    const weights = initWeights(model, 0)
    const trainer = new Trainer(model, weights, { ...baseTrainer, lr: 1e-2, cfgDropout: 0 }, null, 0)
    const x = smoothImages(4, 16)
    const draw = drawFlow(new StepRandom(99, 0, 0), 4, 16, 'uniform', 0)
    const fixedLoss = () => tf.tidy(() => stage1aLoss({ model, weights, perceptual: null, perceptualWeight: 0 }, tf.tensor4d(x, [4, 3, 16, 16]), draw).total.dataSync()[0])
    const before = fixedLoss()
    const tensors: number[] = []
    for (let i = 0; i < 30; i++) {
      await trainer.trainStep(x, 4)
      tensors.push(tf.memory().numTensors)
    }
    expect(fixedLoss()).toBeLessThan(0.75 * before) // 1.50 → 0.98 measured
    expect(new Set(tensors.slice(1)).size).toBe(1) // flat once the first step created the Adam state
    expect(trainer.step).toBe(30)
    trainer.dispose()
    disposeWeightMap(weights)
  })

  it('freezes the encoder after N steps: optimiser rebuilt decoder-only, encoder weights stop moving', async () => {
    const model = new FlowMo(tinyConfig())
    const weights = initWeights(model, 1)
    const trainer = new Trainer(model, weights, { ...baseTrainer, freezeEncoderAfter: 2 }, null, 0)
    const x = smoothImages(2, 16)
    const enc = () => Array.from(weights.get('encoder.txt_in.bias')!.dataSync())
    await trainer.trainStep(x, 2)
    const before = enc()
    await trainer.trainStep(x, 2)
    expect(enc()).not.toEqual(before)
    const frozen = enc()
    await trainer.trainStep(x, 2)
    expect(trainer.adam.groups.map((g) => g.name)).toEqual(['decoder'])
    expect(enc()).toEqual(frozen)
    trainer.dispose()
    disposeWeightMap(weights)
  })

  it('gradient accumulation over 2 chunks reports the mean of the chunk losses, each chunk with its own draw', async () => {
    const model = new FlowMo(tinyConfig())
    const weights = initWeights(model, 2)
    const x = smoothImages(4, 16)
    const cfg = { ...baseTrainer, gradAccumulation: 2, lr: 0, cfgDropout: 0 }
    const trainer = new Trainer(model, weights, cfg, null, 0)
    const acc = await trainer.trainStep(x, 4)
    trainer.dispose()
    const chunkLoss = (c: number) => tf.tidy(() => {
      const xc = tf.tensor4d(x.subarray(c * 2 * 768, (c + 1) * 2 * 768), [2, 3, 16, 16])
      const d = drawFlow(new StepRandom(cfg.seed, 0, c), 2, 16, cfg.timeDistribution, 0)
      return stage1aLoss({ model, weights, perceptual: null, perceptualWeight: 0 }, xc, d).total.dataSync()[0]
    })
    expect(acc.total_loss).toBeCloseTo((chunkLoss(0) + chunkLoss(1)) / 2, 5)
    expect(acc.total_loss).toBeCloseTo(acc.flow_loss + acc.quantizer_loss + acc.perceptual_loss, 5)
    disposeWeightMap(weights)
  })

  it('stops on a NaN loss with the step and the piece named, before any weight changes, leaking no tensor', async () => {
    const model = new FlowMo(tinyConfig())
    const weights = initWeights(model, 4)
    const trainer = new Trainer(model, weights, baseTrainer, null, 5)
    const nanImages = smoothImages(2, 16).fill(NaN) // a batch whose pixels are NaN: every loss piece is NaN
    const before = Array.from(weights.get('decoder.img_in.weight')!.dataSync())
    await expect(trainer.trainStep(nanImages, 2)).rejects.toThrowError(NonFiniteLossError)
    const tensors = tf.memory().numTensors
    await expect(trainer.trainStep(nanImages, 2)).rejects.toThrowError(/step 6: flow_loss is NaN/)
    expect(tf.memory().numTensors).toBe(tensors) // the summed gradients and the loss pieces were released
    expect(Array.from(weights.get('decoder.img_in.weight')!.dataSync())).toEqual(before)
    trainer.dispose()
    disposeWeightMap(weights)
  })
})
