// DiTo's noise synchronisation (Chen et al. 2025, "Diffusion Autoencoders are Scalable Image Tokenizers"; FlowMo Table 3):
// with probability p a sample's LayerNormed latent z is noised to level τ ~ U(0, 1) with the flow's own interpolation,
// z_τ = (1 − τ)·z + τ·ε_z, and its image noise level is redrawn from U(τ, 1) (DiTo's "suffix" decoding loss), so the
// decoder never sees a code noisier than its image.
import * as tf from '@tensorflow/tfjs-core'

/** Per-sample draws: mask[b] = 1 for a synced sample, τ [B], u [B] ~ U(0, 1) for its new t, ε_z [B·L·C]. */
export interface NoiseSyncDraw {
  readonly mask: Float32Array
  readonly tau: Float32Array
  readonly u: Float32Array
  readonly epsZ: Float32Array
}

/** t'[b] = τ_b + (1 − τ_b)·u_b where synced, else t[b]. */
export function syncTimes(t: Float32Array, d: NoiseSyncDraw): Float32Array {
  return t.map((tb, b) => (d.mask[b] ? d.tau[b] + (1 - d.tau[b]) * d.u[b] : tb))
}

/** z [B, L, C] → (1 − m·τ)·z + m·τ·ε_z per sample (m the mask). */
export function syncCode(z: tf.Tensor, d: NoiseSyncDraw): tf.Tensor {
  const B = z.shape[0]
  const s = tf.tensor3d(d.tau.map((tau, b) => d.mask[b] * tau), [B, 1, 1])
  return tf.add(tf.mul(tf.sub(1, s), z), tf.mul(s, tf.tensor(d.epsZ, z.shape)))
}
