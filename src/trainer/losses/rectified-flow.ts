// Rectified-flow training pieces: the noisy input x_t, the flow-matching loss, and the training-time
// distributions of t. Port of flowmo/models.py `rf_loss` (t = 0 data, t = 1 noise, target v = ε − x).
import * as tf from '@tensorflow/tfjs-core'

/** x_t = (1 − t)·x + t·ε for x, ε [B, 3, S, S] and t [B], in that order of operations. */
export function noisyInput(x: tf.Tensor, eps: tf.Tensor, t: tf.Tensor1D): tf.Tensor {
  const tb = tf.reshape(t, [-1, 1, 1, 1])
  return tf.add(tf.mul(tf.sub(1, tb), x), tf.mul(tb, eps))
}

/** mean_b mean_{c,h,w} (ε − v̂ − x)²: the flow-matching loss with no t-weighting. */
export function flowLoss(vHat: tf.Tensor, x: tf.Tensor, eps: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(tf.sub(eps, vHat), x))) as tf.Scalar
}

/** One-step denoised estimate x̂ = x_t − t·v̂ (not clipped), the input of the perceptual loss. */
export function denoisedEstimate(xt: tf.Tensor, vHat: tf.Tensor, t: tf.Tensor1D): tf.Tensor {
  return tf.sub(xt, tf.mul(tf.reshape(t, [-1, 1, 1, 1]), vHat))
}

export type TimeDistribution = 'fat_lognormal' | 'lognormal' | 'uniform'
export const TIME_DISTRIBUTIONS: readonly TimeDistribution[] = ['fat_lognormal', 'lognormal', 'uniform']

/** Draws from a seeded source: `normal()` ~ N(0, 1), `uniform()` ~ U[0, 1). */
export interface RandomSource {
  normal(): number
  uniform(): number
}

/**
 * Training t per sample. `lognormal`: sigmoid(N(0,1)); `fat_lognormal` (the reference default): the same, but
 * each sample is replaced by U(0,1) with probability 0.1 (the thick tail); `uniform`: U(0,1).
 */
export function sampleTimes(dist: TimeDistribution, batch: number, rng: RandomSource): Float32Array {
  const sigmoid = (n: number) => 1 / (1 + Math.exp(-n))
  return Float32Array.from({ length: batch }, () => {
    if (dist === 'uniform') return rng.uniform()
    const t = sigmoid(rng.normal())
    if (dist === 'lognormal') return t
    const keep = rng.uniform() <= 0.9
    const u = rng.uniform()
    return keep ? t : u
  })
}
