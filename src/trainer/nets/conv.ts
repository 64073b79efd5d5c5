// Convolution toolkit for the frozen pretrained networks (NHWC, torch semantics): conv2d, depthwise conv and
// linear (pooling is in pool.ts). Every op has a backward pass
// for the INPUT that exists on cpu, wasm and webgpu (wasm lacks Conv2DBackpropFilter and depthwise grads);
// the filters are frozen constants and get no gradient.
import * as tf from '@tensorflow/tfjs-core'

/** torch `padding=(ph, pw)`: rows added top and bottom, columns left and right. */
export type Padding2D = readonly [number, number]

/** torch `F.conv2d(x, w, b, stride, padding)` with the filter already in tf layout `[kh, kw, in, out]`. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, padding: Padding2D): tf.Tensor4D {
  const padded = padHW(x, padding, 0)
  const y = convFrozenFilter(filter, stride)(padded) as tf.Tensor4D
  return bias ? tf.add(y, bias) : y
}

/**
 * A 'valid' convolution whose gradient reaches only the input (the filter is a frozen constant):
 * forward Conv2D, backward Conv2DBackpropInput, both of which every backend implements.
 */
function convFrozenFilter(filter: tf.Tensor4D, stride: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor4D
    const save = inputs[1] as tf.GradSaveFunc
    save([filter]) // kept for the backward pass even when the filter was made inside a tidy
    return {
      value: tf.conv2d(x, filter, stride, 'valid'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.conv2dTranspose(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, x.shape, stride, 'valid'),
    }
  })
}

/**
 * Depthwise `[kh, kw, C, 1]` convolution: forward DepthwiseConv2dNative; backward (wasm has no depthwise gradient
 * kernels) the same forward kernel on dy spread out by the stride, zero-padded by k − 1, with the filter flipped.
 */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding2D): tf.Tensor4D {
  const padded = padHW(x, padding, 0)
  return depthwiseFrozenFilter(filter, stride)(padded) as tf.Tensor4D
}

function depthwiseFrozenFilter(filter: tf.Tensor4D, stride: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor4D
    ;(inputs[1] as tf.GradSaveFunc)([filter])
    return {
      value: tf.depthwiseConv2d(x, filter, stride, 'valid'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => depthwiseInputGrad(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, x.shape, stride),
    }
  })
}

function depthwiseInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: number[], stride: number): tf.Tensor4D {
  const [kh, kw] = filter.shape
  const [, H, W] = xShape as [number, number, number, number]
  const spread = spreadByStride(dy, stride) // [B, (h − 1)·s + 1, (w − 1)·s + 1, C]
  const full = tf.pad(spread, [[0, 0], [kh - 1, kh - 1 + H - (spread.shape[1] + kh - 1)], [kw - 1, kw - 1 + W - (spread.shape[2] + kw - 1)], [0, 0]])
  return tf.depthwiseConv2d(full, tf.reverse(filter, [0, 1]), 1, 'valid')
}

/** Puts s − 1 zeros between neighbouring pixels (the transpose of taking every s-th pixel). */
export function spreadByStride(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy
  const [B, h, w, C] = dy.shape
  const grid = tf.pad(tf.reshape(dy, [B, h, 1, w, 1, C]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]])
  return tf.slice(tf.reshape(grid, [B, h * s, w * s, C]) as tf.Tensor4D, [0, 0, 0, 0], [B, (h - 1) * s + 1, (w - 1) * s + 1, C])
}

/** `x @ weightT + bias` with the weight pre-transposed to `[in, out]` (fast non-transposed matmul on wasm). */
export function linear(x: tf.Tensor2D, weightT: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor2D {
  const y = tf.matMul(x, weightT) as tf.Tensor2D
  return bias ? (tf.add(y, bias) as tf.Tensor2D) : y
}

export function padHW(x: tf.Tensor4D, [ph, pw]: Padding2D, value: number): tf.Tensor4D {
  if (ph === 0 && pw === 0) return x
  return tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]], value)
}
