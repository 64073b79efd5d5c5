// Eager execution of the FlowMo ops interface on tfjs (any backend): training, autograd, inference.
// Parameters are looked up by PyTorch key in a weight map filled by the checkpoint loader.
import * as tf from '@tensorflow/tfjs-core'
import * as fast from '../backends/fast-ops'
import type { Ops, ParamRef } from './ops'

export class TfOps implements Ops<tf.Tensor> {
  constructor(readonly weights: ReadonlyMap<string, tf.Tensor>) {}

  param(ref: ParamRef): tf.Tensor {
    const w = this.weights.get(ref.name)
    if (!w) throw new Error(`parameter ${ref.name} [${ref.shape}] is not loaded`)
    return w
  }
  constant(data: Float32Array, shape: readonly number[]): tf.Tensor {
    return tf.tensor(data, [...shape], 'float32')
  }
  fill(like: tf.Tensor, shape: readonly number[], value: number): tf.Tensor {
    return tf.fill([like.shape[0], ...shape], value, 'float32')
  }
  shape(x: tf.Tensor): number[] {
    return [...x.shape]
  }

  reshape(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
    return tf.reshape(x, [...shape])
  }
  transpose(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
    return tf.transpose(x, [...perm])
  }
  concat(xs: readonly tf.Tensor[], axis: number): tf.Tensor {
    return tf.concat([...xs], axis)
  }
  slice(x: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
    const ax = axis < 0 ? x.rank + axis : axis
    const b = x.shape.map((_, i) => (i === ax ? begin : 0))
    const s = x.shape.map((d, i) => (i === ax ? size : d))
    return tf.slice(x, b, s)
  }

  linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
    const [out, inp] = w.shape
    const lead = x.shape.slice(0, -1)
    const x2 = tf.reshape(x, [-1, inp]) as tf.Tensor2D
    const y = b ? fast.linear(x2, w as tf.Tensor2D, b as tf.Tensor1D) : fast.linear(x2, w as tf.Tensor2D) // [N, out]
    return tf.reshape(y, [...lead, out])
  }
  matmul(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
    return tf.matMul(a, b, false, transposeB)
  }

  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.add(a, b)
  }
  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.sub(a, b)
  }
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.mul(a, b)
  }
  scale(x: tf.Tensor, s: number): tf.Tensor {
    return tf.mul(x, tf.scalar(s, 'float32'))
  }
  addScalar(x: tf.Tensor, s: number): tf.Tensor {
    return tf.add(x, tf.scalar(s, 'float32'))
  }

  silu(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, tf.sigmoid(x))
  }
  geluTanh(x: tf.Tensor): tf.Tensor {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as torch's approximate="tanh"
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1))
  }
  softmax(x: tf.Tensor): tf.Tensor {
    return tf.softmax(x)
  }
  attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
    const [B, H, L, D] = q.shape
    const g = (x: tf.Tensor) => tf.reshape(x, [B * H, L, D]) as tf.Tensor3D // [B·H, L, D]
    const kT = tf.transpose(g(k), [0, 2, 1]) as tf.Tensor3D // [B·H, D, L]
    const weights = tf.softmax(this.scale(fast.bmm(g(q), kT), scale)) as tf.Tensor3D // [B·H, L, L]
    const x = tf.reshape(fast.bmm(weights, g(v)), [B, H, L, D])
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [-1, L, H * D]) // B H L D -> B L (H D)
  }
  layerNorm(x: tf.Tensor, eps: number): tf.Tensor {
    const mean = tf.mean(x, -1, true)
    const xc = tf.sub(x, mean)
    const variance = tf.mean(tf.square(xc), -1, true)
    return tf.mul(xc, tf.rsqrt(tf.add(variance, eps)))
  }
  rmsNorm(x: tf.Tensor, scale: tf.Tensor, eps: number): tf.Tensor {
    const rrms = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))
    return tf.mul(tf.mul(x, rrms), scale)
  }
  cos(x: tf.Tensor): tf.Tensor {
    return tf.cos(x)
  }
  sin(x: tf.Tensor): tf.Tensor {
    return tf.sin(x)
  }
}
