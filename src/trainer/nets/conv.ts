// Convolution toolkit for the frozen pretrained networks (NHWC, torch semantics): conv2d, depthwise conv and
// linear (pooling is in pool.ts). Every op has a backward pass
// for the INPUT that exists on cpu, wasm and webgpu (wasm lacks Conv2DBackpropFilter and depthwise grads);
// the filters are frozen constants and get no gradient.
import * as tf from '@tensorflow/tfjs-core'

/** torch `padding=(ph, pw)`: rows added top and bottom, columns left and right. */
export type Padding2D = readonly [number, number]

/**
 * torch `F.conv2d(x, w, b, stride, padding)` with the filter already in tf layout `[kh, kw, in, out]`; pass
 * `flipped = flipFilter(filter)` when the filter is reused, so the backward pass does not rebuild it each call.
 */
export function conv2d(
  x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, padding: Padding2D, flipped?: tf.Tensor4D,
): tf.Tensor4D {
  const padded = padHW(x, padding, 0)
  const y = convFrozenFilter(filter, flipped ?? null, stride)(padded) as tf.Tensor4D
  return bias ? tf.add(y, bias) : y
}

/** The filter of the input-gradient convolution: spatially flipped, in/out swapped, `[kh, kw, out, in]`. */
export function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2])
}

/**
 * A 'valid' convolution whose gradient reaches only the input (the filter is a frozen constant). The backward
 * pass is a forward Conv2D too (dy spread by the stride, padded by k − 1, filter flipped with in/out swapped):
 * tfjs-wasm's Conv2DBackpropInput is a naive loop, ~20× slower than its XNNPACK Conv2D.
 */
function convFrozenFilter(filter: tf.Tensor4D, flipped: tf.Tensor4D | null, stride: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor4D
    ;(inputs[1] as tf.GradSaveFunc)([flipped ?? filter]) // kept for the backward pass even if made inside a tidy
    return {
      value: tf.conv2d(x, filter, stride, 'valid'),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const w = flipped ? (saved as tf.Tensor4D) : flipFilter(saved as tf.Tensor4D)
        return tf.conv2d(fullPadding(dy as tf.Tensor4D, w.shape[0], w.shape[1], x.shape, stride), w, 1, 'valid')
      },
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
  const full = fullPadding(dy, filter.shape[0], filter.shape[1], xShape, stride)
  return tf.depthwiseConv2d(full, tf.reverse(filter, [0, 1]), 1, 'valid')
}

/**
 * dy of a 'valid' kh×kw convolution with stride s, laid out so that a stride-1 'valid' convolution with the
 * flipped filter gives dx: spread by the stride, k − 1 zeros around, plus the input rows/columns no window reached.
 */
function fullPadding(dy: tf.Tensor4D, kh: number, kw: number, xShape: number[], stride: number): tf.Tensor4D {
  const [, H, W] = xShape as [number, number, number, number]
  const spread = spreadByStride(dy, stride) // [B, (h − 1)·s + 1, (w − 1)·s + 1, C]
  const [, h, w] = spread.shape
  return tf.pad(spread, [[0, 0], [kh - 1, H - h], [kw - 1, W - w], [0, 0]])
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
