// FSQ against an independent numpy reference (test/fixtures/quantizers/make.py): values, the straight-through
// gradient, the plain-array path the ONNX models use, and the code size it implies.
import * as tf from '@tensorflow/tfjs-core'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { fsqBitsPerToken, fsqQuantize, fsqValues } from '../../../src/trainer/model/fsq'

const ref = JSON.parse(readFileSync(new URL('../../fixtures/quantizers/reference.json', import.meta.url), 'utf8')).fsq as {
  levels: number[]; shape: number[]; z: number[]; w: number[]; q: number[]; grad: number[]
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))

beforeAll(async () => {
  await initBackend()
})

describe('FSQ', () => {
  it('matches numpy: bounded, rounded half to even, rescaled by ⌊L/2⌋ for even and odd level counts', () => {
    const q = tf.tidy(() => fsqQuantize(tf.tensor(ref.z, ref.shape), ref.levels, false).dataSync())
    expect(maxDiff(q, ref.q)).toBeLessThan(1e-6)
    // every value is one of the channel's L levels
    q.forEach((v, i) => {
      const L = ref.levels[i % ref.levels.length]
      const k = v * Math.floor(L / 2)
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-6)
      expect(k).toBeGreaterThanOrEqual(-Math.floor(L / 2))
      expect(k).toBeLessThanOrEqual(Math.floor((L - 1) / 2))
    })
  })

  it('passes the gradient straight through the rounding (numpy d/dz of the bound)', () => {
    const w = tf.tensor(ref.w, ref.shape)
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fsqQuantize(z, ref.levels, true), w)))(tf.tensor(ref.z, ref.shape))
    expect(maxDiff(g.dataSync(), ref.grad)).toBeLessThan(1e-5)
  })

  it('the plain-array path gives the tfjs values', () => {
    expect(maxDiff(fsqValues(Float32Array.from(ref.z), ref.levels), ref.q)).toBeLessThan(1e-6)
  })

  it('carries Σ log2 L_c bits per token', () => {
    expect(fsqBitsPerToken([8, 8, 8, 8])).toBe(12)
    expect(fsqBitsPerToken([8, 5, 5, 5])).toBeCloseTo(3 + 3 * Math.log2(5), 12)
  })
})
