// Finite scalar quantisation (FSQ, Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made Simple"): each channel c
// is bounded to (−L_c/2, L_c/2) by a shifted tanh, rounded with a straight-through gradient, and rescaled to [−1, 1].
// The shift uses atanh, as the common PyTorch port (the paper's JAX listing writes tan; the two differ by < 1e-3).
import * as tf from '@tensorflow/tfjs-core'

const EPS = 1e-3

/** Per-channel constants: half range (L−1)(1+ε)/2, offset ½ for even L, the tanh shift, and the output scale ⌊L/2⌋. */
export function fsqConstants(levels: readonly number[]) {
  const halfL = levels.map((l) => ((l - 1) * (1 + EPS)) / 2)
  const offset = levels.map((l) => (l % 2 === 0 ? 0.5 : 0))
  const shift = offset.map((o, c) => Math.atanh(o / halfL[c]))
  const halfWidth = levels.map((l) => Math.floor(l / 2))
  return { halfL, offset, shift, halfWidth }
}

/** round() forward, identity backward (FSQ's round_ste). */
const roundSTE = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.round(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => [dy],
})) as (x: tf.Tensor) => tf.Tensor

/** code [..., C] → FSQ code [..., C] with values in {k/⌊L_c/2⌋}; `ste` keeps a straight-through gradient. */
export function fsqQuantize(code: tf.Tensor, levels: readonly number[], ste: boolean): tf.Tensor {
  const k = fsqConstants(levels)
  const C = levels.length
  const row = (v: number[]) => tf.tensor1d(v) // broadcast over the last axis [C]
  const bounded = tf.sub(tf.mul(tf.tanh(tf.add(code, row(k.shift))), row(k.halfL)), row(k.offset))
  const rounded = ste ? roundSTE(bounded) : tf.round(bounded)
  if (code.shape[code.shape.length - 1] !== C) throw new Error(`FSQ has ${C} levels, the code has ${code.shape[code.shape.length - 1]} channels`)
  return tf.div(rounded, row(k.halfWidth))
}

/** The same quantisation on plain values [n·C] (the ONNX inference path); round half to even, as tf.round. */
export function fsqValues(code: Float32Array, levels: readonly number[]): Float32Array {
  const k = fsqConstants(levels)
  const C = levels.length
  const out = new Float32Array(code.length)
  for (let i = 0; i < code.length; i++) {
    const c = i % C
    const bounded = Math.fround(Math.tanh(code[i] + k.shift[c]) * k.halfL[c] - k.offset[c])
    out[i] = roundHalfEven(bounded) / k.halfWidth[c]
  }
  return out
}

function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** Bits one token carries: Σ_c log2 L_c (log2 of the implied codebook size Π L_c). */
export const fsqBitsPerToken = (levels: readonly number[]): number => levels.reduce((s, l) => s + Math.log2(l), 0)
