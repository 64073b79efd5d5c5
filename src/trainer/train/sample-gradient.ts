// The Stage-1B chain's cotangent from a tfjs perceptual loss (the user's loaded network): λ·d(x, y) and ∂/∂y by
// tf.valueAndGrad, the same term train/stage1a.ts `perceptualTerm` puts on the tfjs tape. The onnxruntime chain
// (train/ort-chain.ts) takes any SampleGradient.
import * as tf from '@tensorflow/tfjs-core'
import type { PerceptualLoss } from '../losses/perceptual'
import type { SampleGradient } from './ort-chain'

/** λ·perceptual.distance(x, y) (batch mean) and its gradient in y, for images [B, 3, S, S]. */
export function perceptualSampleGradient(perceptual: PerceptualLoss, weight: number, shape: [number, number, number, number]): SampleGradient {
  return {
    async run(x, y) {
      const { value, grad } = tf.tidy(() => {
        const xt = tf.tensor4d(x, shape)
        return tf.valueAndGrad((yt: tf.Tensor4D) => tf.mul(perceptual.distance(xt, yt), weight) as tf.Scalar)(tf.tensor4d(y, shape))
      })
      try {
        const [loss, gradY] = await Promise.all([value.data(), grad.data()])
        return { loss: loss[0], gradY: gradY as Float32Array }
      } finally {
        tf.dispose([value, grad])
      }
    },
  }
}
