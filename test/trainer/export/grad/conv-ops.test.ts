// The max-pool input VJP of export/grad/conv-ops.ts on inputs full of ties (integer values): the gradient goes to each
// window's first maximum as nets/pool.ts routes it on tfjs (torch's rule), overlapping and padded windows included.
// The perceptual nets' tests cannot tell this apart: their pools read ReLU outputs, whose tied zeros get no gradient.
import * as ort from 'onnxruntime-node'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { maxPool2d } from '../../../../src/trainer/export/grad/conv-ops'
import { Emitter } from '../../../../src/trainer/export/grad/emit'
import { GradOps } from '../../../../src/trainer/export/grad/tape-ops'
import { OnnxGraph } from '../../../../src/trainer/export/onnx-graph'
import { encodeModel } from '../../../../src/trainer/export/onnx-proto'
import { maxPool2d as tfMaxPool2d } from '../../../../src/trainer/nets/pool'
import { fixtureImages } from '../../../fixtures/nets/fixture-weights'
import { useBackend } from '../../nets/backends'

beforeAll(() => useBackend('cpu'))

/** ∂ Σ(maxPool(x) ⊙ w) / ∂x from the graph, for x [1, 2, H, W]. */
async function graphGrad(x: Float32Array, shape: number[], w: Float32Array, k: number, s: number, p: number): Promise<Float32Array> {
  const e = new Emitter(new OnnxGraph('maxpool_vjp'))
  const o = new GradOps(e)
  const xs = o.input('x', shape)
  o.tape.markLeaf(xs)
  const y = maxPool2d(o, xs, k, s, p)
  const loss = o.reduceSum(o.mul(y, o.constant(w, y.shape)), [])
  e.identity(o.tape.backward(e, loss).get(xs.name)!, 'grad_x')
  const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(e.graph.toModel())))
  const out = await session.run({ x: new ort.Tensor('float32', x, shape) })
  await session.release()
  return out.grad_x!.data as Float32Array
}

describe('maxPool2d VJP', () => {
  it.each([
    ['3×3, stride 2, padding 1 (ResNet stem): overlapping windows', 3, 2, 1, [1, 2, 9, 8]],
    ['2×2, stride 2 (VGG), an odd size whose last row no window reads', 2, 2, 0, [1, 2, 7, 6]],
  ] as const)('%s: ties go to the first maximum, as tfjs', async (_, k, s, p, shape) => {
    const x = fixtureImages(31, shape, 0, 3).map(Math.floor) // values 0, 1, 2: ties everywhere
    const [, , H, W] = shape
    const out = (n: number) => Math.floor((n + 2 * p - k) / s) + 1
    const w = fixtureImages(32, [1, 2, out(H), out(W)], 0.5, 1.5)
    const got = await graphGrad(x, [...shape], w, k, s, p)
    const want = tf.tidy(() => {
      const wt = tf.transpose(tf.tensor4d(w, [1, 2, out(H), out(W)]), [0, 2, 3, 1])
      const f = (xt: tf.Tensor) => tf.sum(tf.mul(tfMaxPool2d(tf.transpose(xt, [0, 2, 3, 1]) as tf.Tensor4D, k, s, p), wt)) as tf.Scalar
      return tf.grad(f)(tf.tensor4d(x, [...shape] as [number, number, number, number])).dataSync()
    })
    expect(Array.from(got)).toEqual(Array.from(want)) // sums of the same w entries: exact
    expect(got.reduce((a, v) => a + v, 0)).toBeCloseTo(w.reduce((a, v) => a + v, 0), 4) // every window's g lands once
  })
})
