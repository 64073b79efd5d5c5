// Pooling for the frozen pretrained networks (NHWC, torch semantics): max pool whose gradient goes to the first
// maximum of each window as torch's does (tfjs-wasm's MaxPoolGrad drops windows of equal values, e.g. ReLU
// zeros), average pool with or without counting the padding, global average pool.
import * as tf from '@tensorflow/tfjs-core'
import { padHW } from './conv'

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

/**
 * Routes each window's dy to its first maximum in row-major order (torch's tie rule), tap by tap. Strided taps
 * are read from the stride phases of x (x[:, a::s, b::s] for a, b < s), so every slice stays 4-D: tfjs-wasm
 * slices rank-5 tensors element by element (the old rank-5 route cost 15 s per LPIPS backward).
 */
function maxPoolInputGrad(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, k: number, s: number): tf.Tensor4D {
  const [B, H, W, C] = x.shape
  const [, outH, outW] = y.shape
  const phases = toPhases(x, s) // [s·s·B, ⌈H/s⌉, ⌈W/s⌉, C]
  const [, ph, pw] = phases.shape
  const grads: (tf.Tensor | null)[] = new Array<tf.Tensor | null>(s * s).fill(null) // dx per phase
  let taken: tf.Tensor = tf.zerosLike(y)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const phase = (i % s) * s + (j % s)
      const [r, c] = [Math.floor(i / s), Math.floor(j / s)]
      const tap = tf.slice(phases, [phase * B, r, c, 0], [B, outH, outW, C])
      const isMax = tf.mul(tf.cast(tf.equal(tap, y), 'float32'), tf.sub(1, taken))
      taken = tf.add(taken, isMax)
      const placed = tf.pad(tf.mul(isMax, dy), [[0, 0], [r, ph - r - outH], [c, pw - c - outW], [0, 0]])
      grads[phase] = grads[phase] ? tf.add(grads[phase]!, placed) : placed
    }
  }
  const all = tf.concat(grads.map((g) => g ?? tf.zeros([B, ph, pw, C])), 0) as tf.Tensor4D
  return tf.slice(fromPhases(all, s, B), [0, 0, 0, 0], [B, H, W, C])
}

/** `[B, H, W, C]` → `[s·s·B, ⌈H/s⌉, ⌈W/s⌉, C]`, block a·s + b holding x[:, a::s, b::s] (zero-padded at the end). */
function toPhases(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x
  const [B, H, W, C] = x.shape
  const [ph, pw] = [Math.ceil(H / s), Math.ceil(W / s)]
  const padded = tf.pad(x, [[0, 0], [0, ph * s - H], [0, pw * s - W], [0, 0]])
  const split = tf.transpose(tf.reshape(padded, [B, ph, s, pw, s, C]), [2, 4, 0, 1, 3, 5]) // [s, s, B, ph, pw, C]
  return tf.reshape(split, [s * s * B, ph, pw, C])
}

/** The inverse of toPhases, before its padding is cut off: `[s·s·B, ph, pw, C]` → `[B, ph·s, pw·s, C]`. */
function fromPhases(phases: tf.Tensor4D, s: number, B: number): tf.Tensor4D {
  if (s === 1) return phases
  const [, ph, pw, C] = phases.shape
  const split = tf.transpose(tf.reshape(phases, [s, s, B, ph, pw, C]), [2, 3, 0, 4, 1, 5]) // [B, ph, s, pw, s, C]
  return tf.reshape(split, [B, ph * s, pw * s, C])
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

