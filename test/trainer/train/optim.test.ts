// Adam against torch.optim.Adam's update rule written out by hand; EMA decay^10 every 10 steps; weight-norm projection.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { Adam } from '../../../src/trainer/train/optim'
import { Ema } from '../../../src/trainer/train/ema'
import { captureNorms, projectNorms } from '../../../src/trainer/train/weight-norm'

beforeAll(async () => {
  await initBackend('cpu')
})

/** torch Adam for one scalar parameter, float64. */
function torchAdam(p0: number, grads: number[], lr: number, b1 = 0.9, b2 = 0.95, eps = 1e-8): number[] {
  let p = p0, m = 0, v = 0
  const out: number[] = []
  grads.forEach((g, i) => {
    const step = i + 1
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    const denom = Math.sqrt(v) / Math.sqrt(1 - b2 ** step) + eps
    p = p - (lr / (1 - b1 ** step)) * (m / denom)
    out.push(p)
  })
  return out
}

describe('Adam', () => {
  it('matches the torch update rule over 4 steps, per group lr, and skips parameters without a gradient', () => {
    const vars = new Map([['encoder.w', tf.variable(tf.tensor1d([1, -2]))], ['decoder.w', tf.variable(tf.tensor1d([0.5, 3]))]])
    const adam = new Adam([{ name: 'encoder', lr: 0.01, params: ['encoder.w'] }, { name: 'decoder', lr: 0.003, params: ['decoder.w'] }])
    const gs = [[0.5, -1], [0.1, 0.3], [-0.7, 0.2], [2, 1e-3]]
    for (const g of gs) {
      const grads = new Map([['encoder.w', tf.tensor1d(g)], ['decoder.w', tf.tensor1d(g.map((x) => -x))]])
      adam.step(vars, grads)
      tf.dispose([...grads.values()])
    }
    adam.step(vars, new Map()) // no gradients: nothing moves, no step counted
    const enc = vars.get('encoder.w')!.dataSync()
    const dec = vars.get('decoder.w')!.dataSync()
    for (let i = 0; i < 2; i++) {
      expect(enc[i]).toBeCloseTo(torchAdam([1, -2][i], gs.map((g) => g[i]), 0.01).at(-1)!, 6)
      expect(dec[i]).toBeCloseTo(torchAdam([0.5, 3][i], gs.map((g) => -g[i]), 0.003).at(-1)!, 6)
    }
    expect(adam.stepOf('encoder.w')).toBe(4)
  })

  it('saves and restores its moments and step counts', async () => {
    const make = () => new Map([['decoder.w', tf.variable(tf.tensor1d([1, 2, 3]))]])
    const a = make(), b = make()
    const adamA = new Adam([{ name: 'decoder', lr: 0.01, params: ['decoder.w'] }])
    const g = new Map([['decoder.w', tf.tensor1d([0.3, -0.2, 0.1])]])
    adamA.step(a, g)
    const snap = await adamA.snapshot()
    const adamB = new Adam([{ name: 'decoder', lr: 0.01, params: ['decoder.w'] }])
    adamB.restore(new Map(snap.tensors.map((t) => [t.name, t])), snap.metadata)
    b.get('decoder.w')!.assign(a.get('decoder.w')!)
    adamA.step(a, g)
    adamB.step(b, g)
    expect(Array.from(b.get('decoder.w')!.dataSync())).toEqual(Array.from(a.get('decoder.w')!.dataSync()))
    expect(adamB.stepOf('decoder.w')).toBe(2)
  })
})

describe('EMA', () => {
  it('updates only every 10 steps with decay^10', () => {
    const w = new Map([['w', tf.variable(tf.tensor1d([0, 10]))]])
    const ema = new Ema(w)
    w.get('w')!.assign(tf.tensor1d([1, 0]))
    expect(ema.maybeUpdate(9, w)).toBe(false)
    expect(Array.from(ema.weights.get('w')!.dataSync())).toEqual([0, 10])
    expect(ema.maybeUpdate(10, w)).toBe(true)
    const d = 0.9999 ** 10
    const e = ema.weights.get('w')!.dataSync()
    expect(e[0]).toBeCloseTo(1 - d, 7)
    expect(e[1]).toBeCloseTo(10 * d, 5)
  })
})

describe('weight-norm projection', () => {
  it('restores the captured Frobenius norm of double-block weights only', async () => {
    const name = 'decoder.double_blocks.0.img_attn.qkv.weight'
    const vars = new Map([[name, tf.variable(tf.tensor2d([[3, 0], [0, 4]]))], ['decoder.img_in.weight', tf.variable(tf.tensor2d([[1, 1]]))]])
    const norms = await captureNorms(vars)
    expect([...norms.keys()]).toEqual([name])
    vars.get(name)!.assign(tf.tensor2d([[6, 0], [0, 8]]))
    vars.get('decoder.img_in.weight')!.assign(tf.tensor2d([[2, 2]]))
    projectNorms(vars, norms)
    expect(Array.from(vars.get(name)!.dataSync())).toEqual([3, 0, 0, 4])
    expect(Array.from(vars.get('decoder.img_in.weight')!.dataSync())).toEqual([2, 2])
  })
})
