// nets/pool.ts: torch's padding rules for max/avg pooling, and the max-pool gradient going to the first maximum
// of each window (torch's tie rule) on cpu and on wasm, whose own MaxPoolGrad drops tied windows.
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, describe, expect, it } from 'vitest'
import { avgPool2d, maxPool2d } from '../../../src/trainer/nets/pool'
import { useBackend } from './backends'

afterAll(() => useBackend('cpu'))

describe('nets/pool', () => {
  it('max padding never wins; avg without padding divides by the real pixel count', async () => {
    await useBackend('cpu')
    const v = tf.tensor4d([-1, -2, -3, -4], [1, 2, 2, 1])
    expect(Array.from(maxPool2d(v, 3, 2, 1).dataSync())).toEqual([-1]) // zero padding would give 0
    const ones = tf.ones([1, 3, 3, 1]) as tf.Tensor4D
    expect(Array.from(avgPool2d(ones, 3, 1, 1, false).dataSync()).every((a) => Math.abs(a - 1) < 1e-6)).toBe(true)
    const included = Array.from(avgPool2d(ones, 3, 1, 1, true).dataSync())
    expect(included[0]).toBeCloseTo(4 / 9, 6) // corner: 4 real pixels of 9
    expect(included[4]).toBeCloseTo(1, 6)
  })

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: a window of equal values sends its gradient to its first position, as torch does`, async () => {
      await useBackend(backend)
      const x = tf.tensor4d([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 4, 4, 1]) // ReLU-like zeros, one 1
      const grad = (k: number, s: number, p: number) => Array.from(tf.grad((v: tf.Tensor) => tf.sum(maxPool2d(v as tf.Tensor4D, k, s, p)))(x).dataSync())
      // 2×2 windows: [0 0; 0 1] → position 5; the three all-zero windows → their top-left pixel
      expect(grad(2, 2, 0)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0])
      // 3×3 stride 2 padding 1 (ResNet stem): all four windows hold the 1
      expect(grad(3, 2, 1)).toEqual([0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
      const zeros = tf.zeros([1, 4, 4, 1])
      const tied = Array.from(tf.grad((v: tf.Tensor) => tf.sum(maxPool2d(v as tf.Tensor4D, 3, 2, 1)))(zeros).dataSync())
      expect(tied).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) // first real pixel of each window
    })
  }
})
