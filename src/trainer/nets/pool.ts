// Pooling for the frozen pretrained networks (NHWC, torch semantics): max pool whose gradient goes to the first
// maximum of each window as torch's does (tfjs-wasm's MaxPoolGrad drops windows of equal values, e.g. ReLU
// zeros), average pool with or without counting the padding, global average pool.
import * as tf from '@tensorflow/tfjs-core'
import { padHW, spreadByStride } from './conv'

/** torch `F.max_pool2d(x, k, stride, padding)` (floor mode): the padding never wins the max. */
export function maxPool2d(x: tf.Tensor4D, k: number, stride: number, padding = 0): tf.Tensor4D {
  return maxPoolFirstMax(k, stride)(padHW(x, [padding, padding], -Infinity)) as tf.Tensor4D
}

function maxPoolFirstMax(k: number, stride: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor4D
    const y = tf.maxPool(x, k, stride, 'valid')
    ;(inputs[1] as tf.GradSaveFunc)([x, y])
    return { value: y, gradFunc: (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) => maxPoolInputGrad(dy as tf.Tensor4D, xs as tf.Tensor4D, ys as tf.Tensor4D, k, stride) }
  })
}

/** Routes each window's dy to its first maximum in row-major order (torch's tie rule), tap by tap. */
function maxPoolInputGrad(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, k: number, s: number): tf.Tensor4D {
  let taken: tf.Tensor = tf.zerosLike(y)
  let dx: tf.Tensor = tf.zerosLike(x)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const isMax = tf.mul(tf.cast(tf.equal(window(x, i, j, y.shape, s), y), 'float32'), tf.sub(1, taken))
      taken = tf.add(taken, isMax)
      dx = tf.add(dx, placeWindow(tf.mul(isMax, dy) as tf.Tensor4D, i, j, x.shape, s))
    }
  }
  return dx as tf.Tensor4D
}

/** x[:, i::s, j::s, :] cut to the output grid, via slice + reshape (stridedSlice has no gradient kernel path we trust). */
function window(x: tf.Tensor4D, i: number, j: number, [B, outH, outW, C]: number[], s: number): tf.Tensor4D {
  const block = tf.slice(x, [0, i, j, 0], [B!, (outH! - 1) * s + 1, (outW! - 1) * s + 1, C!])
  if (s === 1) return block
  const grid = tf.pad(block, [[0, 0], [0, s - 1], [0, s - 1], [0, 0]]) // [B, outH·s, outW·s, C]
  const rows = tf.slice(tf.reshape(grid, [B!, outH!, s, outW! * s, C!]), [0, 0, 0, 0, 0], [B!, outH!, 1, outW! * s, C!])
  const cols = tf.slice(tf.reshape(rows, [B!, outH!, outW!, s, C!]), [0, 0, 0, 0, 0], [B!, outH!, outW!, 1, C!])
  return tf.reshape(cols, [B!, outH!, outW!, C!])
}

/** The transpose of `window`: v placed back at rows i, i+s, … and columns j, j+s, … of a zero `[B, H, W, C]`. */
function placeWindow(v: tf.Tensor4D, i: number, j: number, [, H, W]: number[], s: number): tf.Tensor4D {
  const spread = spreadByStride(v, s)
  const [, h, w] = spread.shape
  return tf.pad(spread, [[0, 0], [i, H! - i - h], [j, W! - j - w], [0, 0]])
}

/**
 * torch `F.avg_pool2d(x, k, stride, padding, count_include_pad)`: zero padding, then each window's sum is
 * divided by k² (include) or by the number of real pixels in it (exclude, as TensorFlow does).
 */
export function avgPool2d(x: tf.Tensor4D, k: number, stride: number, padding = 0, countIncludePad = true): tf.Tensor4D {
  const y = tf.avgPool(padHW(x, [padding, padding], 0), k, stride, 'valid')
  if (countIncludePad || padding === 0) return y
  const [, H, W] = x.shape
  const [, outH, outW] = y.shape
  const rowCounts = windowCounts(H, k, stride, padding, outH)
  const colCounts = windowCounts(W, k, stride, padding, outW)
  const scale = new Float32Array(outH * outW)
  for (let r = 0; r < outH; r++) for (let c = 0; c < outW; c++) scale[r * outW + c] = (k * k) / (rowCounts[r]! * colCounts[c]!)
  return tf.mul(y, tf.tensor4d(scale, [1, outH, outW, 1]))
}

/** How many of each window's k positions fall inside a padded axis of `size` real pixels. */
function windowCounts(size: number, k: number, stride: number, padding: number, outSize: number): number[] {
  const counts: number[] = []
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padding
    counts.push(Math.min(start + k, size) - Math.max(start, 0))
  }
  return counts
}

/** `AdaptiveAvgPool2d(1)` flattened: `[B, H, W, C] → [B, C]`. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D
}

