// fast-ops `linear` and `bmm` against plain tf.matMul (values and tf.grads) and against finite differences,
// on the cpu and wasm backends (set explicitly per block: backends are global to the test process).
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { bmm, bmmWith, linear } from '../../../src/trainer/backends/fast-ops'

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed)

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape)
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]
}

/** Gradients of loss(xs) = Σ f(xs) ⊙ r by central differences, element by element (tiny tensors only). */
function finiteDiffGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], r: tf.Tensor, eps = 1e-2): tf.Tensor[] {
  const loss = (ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), r)).dataSync()[0]
  return xs.map((x, k) => {
    const base = x.dataSync()
    const grad = base.map((_, i) => {
      const shifted = (d: number) => xs.map((y, j) => (j === k ? tf.tensor(base.map((v, m) => (m === i ? v + d : v)), x.shape) : y))
      return (loss(shifted(eps)) - loss(shifted(-eps))) / (2 * eps)
    })
    return tf.tensor(grad, x.shape)
  })
}

/** f and reference give the same value and the same tf.grads for upstream gradient dy. */
function expectSameAsReference(f: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor) {
  expect(maxAbsDiff(f(...xs), ref(...xs))).toBeLessThan(1e-5)
  const [got, want] = [tf.grads(f)(xs, dy), tf.grads(ref)(xs, dy)]
  got.forEach((g, i) => expect(maxAbsDiff(g, want[i])).toBeLessThan(1e-4))
}

const plainLinear = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => {
  const y = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true)
  return b ? tf.add(y, b) : y
}
const fastLinear = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) =>
  linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D | undefined)
const plainBmm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)

describe.each(['cpu', 'wasm'])('fast-ops on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend)
  })

  it('linear matches x·wᵀ + b in value and gradients, with and without bias', () => {
    expect(tf.getBackend()).toBe(backend)
    const [x, w, b, dy] = [rand([37, 24], 1), rand([16, 24], 2), rand([16], 3), rand([37, 16], 4)]
    expectSameAsReference(fastLinear, plainLinear, [x, w, b], dy)
    expectSameAsReference(fastLinear, plainLinear, [x, w], dy)
  })

  it.each(['batched', 'split'] as const)('bmm (%s) matches batched tf.matMul in value and gradients', (strategy) => {
    const [a, b, dy] = [rand([3, 9, 7], 5), rand([3, 7, 11], 6), rand([3, 9, 11], 7)]
    const f = bmmWith(strategy) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor
    expectSameAsReference(f, plainBmm, [a, b], dy)
    expectSameAsReference(bmm as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, plainBmm, [a, b], dy)
  })

  it('linear and bmm gradients agree with finite differences', () => {
    const [x, w, b, r] = [rand([2, 3], 8), rand([2, 3], 9), rand([2], 10), rand([2, 2], 11)]
    const got = tf.grads((p, q, c) => tf.mul(fastLinear(p, q, c), r))([x, w, b])
    finiteDiffGrads(fastLinear, [x, w, b], r).forEach((fd, i) => expect(maxAbsDiff(got[i], fd)).toBeLessThan(2e-3))
    const [a, c, s] = [rand([2, 2, 3], 12), rand([2, 3, 2], 13), rand([2, 2, 2], 14)]
    const bmmGot = tf.grads((p, q) => tf.mul(bmm(p as tf.Tensor3D, q as tf.Tensor3D), s))([a, c])
    finiteDiffGrads((p, q) => bmm(p as tf.Tensor3D, q as tf.Tensor3D), [a, c], s).forEach((fd, i) => expect(maxAbsDiff(bmmGot[i], fd)).toBeLessThan(2e-3))
  })

  it('leaves no tensors behind inside a tidy', () => {
    const [x, w, b, a, c] = [rand([4, 3], 15), rand([5, 3], 16), rand([5], 17), rand([2, 3, 4], 18), rand([2, 4, 3], 19)]
    const before = tf.memory().numTensors
    tf.tidy(() => {
      tf.grads((p, q, s) => tf.sum(fastLinear(p, q, s)))([x, w, b])
      tf.grads((p, q) => tf.sum(bmm(p as tf.Tensor3D, q as tf.Tensor3D)))([a, c])
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
