// torch `F.interpolate(x, size, mode='bilinear', align_corners=False, antialias=…)` on NCHW tensors, as two
// matmuls with precomputed interpolation matrices: exact, differentiable on every backend (matmul only).
import * as tf from '@tensorflow/tfjs-core'

/**
 * Row `o` holds the weights output pixel `o` gives each input pixel, `[outSize, inSize]` row-major.
 * Plain: aten `upsample_bilinear2d` (source `(o + ½)·in/out − ½`, clamped at 0). Antialias: aten
 * `_upsample_bilinear2d_aa` (triangle filter widened by the downscale factor, PIL-style, weights normalised).
 */
export function bilinearMatrix(inSize: number, outSize: number, antialias: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize)
  const scale = inSize / outSize
  for (let o = 0; o < outSize; o++) {
    const row = m.subarray(o * inSize, (o + 1) * inSize)
    if (antialias) antialiasRow(row, scale, o, inSize)
    else plainRow(row, scale, o, inSize)
  }
  return m
}

function plainRow(row: Float32Array, scale: number, o: number, inSize: number): void {
  const src = Math.max(scale * (o + 0.5) - 0.5, 0)
  const i0 = Math.floor(src)
  const i1 = i0 < inSize - 1 ? i0 + 1 : i0
  const l1 = src - i0
  row[i0]! += 1 - l1
  row[i1]! += l1
}

function antialiasRow(row: Float32Array, scale: number, o: number, inSize: number): void {
  const support = scale >= 1 ? scale : 1 // bilinear interp_size 2, halved, widened when downscaling
  const invScale = scale >= 1 ? 1 / scale : 1
  const center = scale * (o + 0.5)
  const xmin = Math.max(Math.trunc(center - support + 0.5), 0)
  const xmax = Math.min(Math.trunc(center + support + 0.5), inSize)
  let total = 0
  for (let j = xmin; j < xmax; j++) {
    const w = Math.max(0, 1 - Math.abs((j - center + 0.5) * invScale))
    row[j] = w
    total += w
  }
  if (total > 0) for (let j = xmin; j < xmax; j++) row[j]! /= total
}

/** `[B, C, H, W]` → `[B, C, outH, outW]`. */
export function resizeBilinear(x: tf.Tensor4D, outH: number, outW: number, antialias: boolean): tf.Tensor4D {
  const [B, C, H, W] = x.shape
  if (H === outH && W === outW) return x
  const wT = tf.transpose(tf.tensor2d(bilinearMatrix(W, outW, antialias), [outW, W])) // [W, outW]
  const hT = tf.transpose(tf.tensor2d(bilinearMatrix(H, outH, antialias), [outH, H])) // [H, outH]
  const alongW = tf.reshape(tf.matMul(tf.reshape(x, [B * C * H, W]), wT), [B, C, H, outW])
  const alongH = tf.matMul(tf.reshape(tf.transpose(alongW, [0, 1, 3, 2]), [B * C * outW, H]), hT) // [B·C·outW, outH]
  return tf.transpose(tf.reshape(alongH, [B, C, outW, outH]), [0, 1, 3, 2])
}
