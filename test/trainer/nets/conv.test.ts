// nets/conv.ts and pool.ts: values equal tfjs's own ops, input gradients equal tf.grad of tf.conv2d and finite
// differences, and the same forward + backward runs on the wasm backend.
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, describe, expect, it } from 'vitest'
import { conv2d, depthwiseConv2d } from '../../../src/trainer/nets/conv'
import { avgPool2d, maxPool2d } from '../../../src/trainer/nets/pool'
import { fixtureImages } from '../../fixtures/nets/fixture-weights'
import { finiteDifferences, maxAbsDiff, useBackend } from './backends'

const x = () => tf.tensor4d(fixtureImages(11, [2, 7, 6, 3], -1, 1), [2, 7, 6, 3])
const filter = () => tf.tensor4d(fixtureImages(12, [3, 2, 3, 4], -1, 1), [3, 2, 3, 4]) // kh 3, kw 2, in 3, out 4
const dwFilter = () => tf.tensor4d(fixtureImages(13, [3, 3, 3, 1], -1, 1), [3, 3, 3, 1])
const probe = (shape: number[]) => tf.tensor(fixtureImages(14, shape, -1, 1), shape) // random cotangent

/** Each op as a scalar function of its input: Σ op(x)·r. */
const cases: Record<string, (x: tf.Tensor) => tf.Tensor4D> = {
  conv: (v) => conv2d(v as tf.Tensor4D, filter(), tf.tensor1d([0.1, -0.2, 0.3, 0]), 2, [1, 2]),
  depthwise: (v) => depthwiseConv2d(v as tf.Tensor4D, dwFilter(), 2, [1, 1]),
  maxPool: (v) => maxPool2d(v as tf.Tensor4D, 3, 2, 1),
  avgPoolExclude: (v) => avgPool2d(v as tf.Tensor4D, 3, 1, 1, false),
}
const scalar = (op: (x: tf.Tensor) => tf.Tensor4D) => (v: tf.Tensor) => {
  const y = op(v)
  return tf.sum(tf.mul(y, probe(y.shape))) as tf.Scalar
}

afterAll(() => useBackend('cpu'))

describe('nets/conv on cpu', () => {
  it('conv2d equals tf.conv2d with torch padding (asymmetric kernel, stride 2) and its input gradient equals tfjs\'s', async () => {
    await useBackend('cpu')
    const padded = tf.pad(x(), [[0, 0], [1, 1], [2, 2], [0, 0]])
    const expected = tf.add(tf.conv2d(padded as tf.Tensor4D, filter(), 2, 'valid'), tf.tensor1d([0.1, -0.2, 0.3, 0]))
    const actual = cases.conv!(x())
    expect(actual.shape).toEqual([2, 4, 5, 4])
    expect(maxAbsDiff(actual.dataSync(), expected.dataSync())).toBeLessThan(1e-6)
    const plain = (v: tf.Tensor) => {
      const y = tf.add(tf.conv2d(tf.pad(v, [[0, 0], [1, 1], [2, 2], [0, 0]]) as tf.Tensor4D, filter(), 2, 'valid'), 0)
      return tf.sum(tf.mul(y, probe(y.shape))) as tf.Scalar
    }
    expect(maxAbsDiff(tf.grad(scalar(cases.conv!))(x()).dataSync(), tf.grad(plain)(x()).dataSync())).toBeLessThan(1e-5)
  })

  it('depthwiseConv2d equals tf.depthwiseConv2d', async () => {
    const padded = tf.pad(x(), [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D
    const expected = tf.depthwiseConv2d(padded, dwFilter(), 2, 'valid')
    const actual = cases.depthwise!(x())
    expect(actual.shape).toEqual(expected.shape)
    expect(maxAbsDiff(actual.dataSync(), expected.dataSync())).toBeLessThan(1e-6)
  })

  for (const [name, op] of Object.entries(cases)) {
    it(`${name}: input gradient equals central finite differences`, () => {
      const grad = tf.grad(scalar(op))(x()).dataSync()
      const coords = [0, 5, 17, 40, 77, 100, 251]
      const numeric = finiteDifferences(scalar(op), x(), coords, 1e-3)
      expect(maxAbsDiff(coords.map((i) => grad[i]!), numeric)).toBeLessThan(2e-2)
    })
  }
})

describe('nets/conv on wasm (no Conv2DBackpropFilter, no depthwise gradient kernels)', () => {
  it('forward values and input gradients equal the cpu backend', async () => {
    await useBackend('cpu')
    const onCpu = Object.values(cases).map((op) => [op(x()).dataSync(), tf.grad(scalar(op))(x()).dataSync()])
    await useBackend('wasm')
    expect(tf.getBackend()).toBe('wasm')
    for (const [i, op] of Object.values(cases).entries()) {
      expect(maxAbsDiff(op(x()).dataSync(), onCpu[i]![0]!)).toBeLessThan(1e-5)
      expect(maxAbsDiff(tf.grad(scalar(op))(x()).dataSync(), onCpu[i]![1]!)).toBeLessThan(1e-5)
    }
  })
})
