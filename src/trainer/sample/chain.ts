// Stage-1B sampling chain: k Euler steps on per-sample random decreasing time grids, differentiable end to end.
// Port of flowmo/models.py `reconstruct_checkpoint` (no CFG in the chain).
import * as tf from '@tensorflow/tfjs-core'

const f32 = Math.fround

export interface ChainGrid {
  readonly ts: Float32Array // [B, k+1], ts[:, 0] = 1, ts[:, k] = 0
  readonly dts: Float32Array // [B, k]
}

/** From k+1 uniform draws per sample: c = cumsum(u); c −= c[:, :1]; ts = flip(c / c[:, -1:]) (float32). */
export function chainGrid(u: Float32Array, batch: number, k: number): ChainGrid {
  const ts = new Float32Array(batch * (k + 1))
  const dts = new Float32Array(batch * k)
  for (let b = 0; b < batch; b++) {
    const c = new Float32Array(k + 1)
    let acc = 0
    for (let j = 0; j <= k; j++) c[j] = acc = f32(acc + u[b * (k + 1) + j])
    const c0 = c[0]
    for (let j = 0; j <= k; j++) c[j] = f32(c[j] - c0)
    const last = c[k]
    for (let j = 0; j <= k; j++) ts[b * (k + 1) + (k - j)] = f32(c[j] / last)
    for (let j = 0; j < k; j++) dts[b * k + j] = f32(ts[b * (k + 1) + j] - ts[b * (k + 1) + j + 1])
  }
  return { ts, dts }
}

/** One decoder call v(z, code, t) with a per-sample t [B]. */
export type ChainVelocity = (z: tf.Tensor, t: tf.Tensor1D) => tf.Tensor

/** z ← z − dts[:, j]·v(z, ts[:, j]) for j = 0..k−1, starting from z0; returns the chain's sample. */
export function runChain(velocity: ChainVelocity, z0: tf.Tensor, grid: ChainGrid, batch: number, k: number): tf.Tensor {
  let z = z0
  for (let j = 0; j < k; j++) {
    const t = tf.tensor1d(Array.from({ length: batch }, (_, b) => grid.ts[b * (k + 1) + j]))
    const dt = tf.tensor4d(Array.from({ length: batch }, (_, b) => grid.dts[b * k + j]), [batch, 1, 1, 1])
    z = tf.sub(z, tf.mul(dt, velocity(z, t)))
  }
  return z
}
