// Fresh weights as the reference initialises them: U(±1/√fan_in) for Linear weights and biases, zero gate rows, unit RMSNorm scales.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap } from '../../../src/trainer/model/weights'
import { tinyConfig } from '../train/tiny'

beforeAll(async () => {
  await initBackend('cpu')
})

describe('initWeights', () => {
  it('follows nn.Linear defaults, zeroes gate1/gate2 rows of every modulation and sets RMSNorm scales to 1', () => {
    const model = new FlowMo(tinyConfig())
    const w = initWeights(model, 0)
    expect([...w.keys()]).toEqual(model.parameters().map((p) => p.name))
    const qkv = w.get('decoder.double_blocks.0.img_attn.qkv.weight')!.dataSync() // [96, 32], fan_in 32
    const bound = 1 / Math.sqrt(32)
    expect(Math.max(...Array.from(qkv, Math.abs))).toBeLessThanOrEqual(bound)
    expect(Math.max(...Array.from(qkv, Math.abs))).toBeGreaterThan(0.9 * bound)
    const mlpBias = w.get('decoder.double_blocks.0.img_mlp.2.bias')!.dataSync() // fan_in 128
    expect(Math.max(...Array.from(mlpBias, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(128))
    const H = 32
    const mod = w.get('decoder.double_blocks.0.txt_mod.lin.weight')!.arraySync() as number[][] // [6H, H]
    const modBias = Array.from(w.get('decoder.double_blocks.0.txt_mod.lin.bias')!.dataSync())
    for (const chunk of [0, 1, 2, 3, 4, 5]) {
      const rows = mod.slice(chunk * H, (chunk + 1) * H).flat().concat(modBias.slice(chunk * H, (chunk + 1) * H))
      const allZero = rows.every((v) => v === 0)
      expect(allZero, `chunk ${chunk}`).toBe(chunk === 2 || chunk === 5)
    }
    expect(Array.from(w.get('encoder.double_blocks.0.img_attn.norm.query_norm.scale')!.dataSync()).every((v) => v === 1)).toBe(true)
    disposeWeightMap(w)
  })

  it('is seeded: the same seed gives the same weights, another seed different ones', () => {
    const model = new FlowMo(tinyConfig())
    const read = (seed: number) => {
      const w = initWeights(model, seed)
      const v = Array.from(w.get('encoder.img_in.weight')!.dataSync())
      disposeWeightMap(w)
      return v
    }
    expect(read(3)).toEqual(read(3))
    expect(read(3)).not.toEqual(read(4))
    expect(tf.memory().numTensors).toBe(0)
  })
})
