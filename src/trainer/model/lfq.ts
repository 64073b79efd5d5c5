// Lookup-free quantisation (LFQ) on tfjs: sign quantisation with a straight-through gradient and the
// training losses. Port of flowmo/lookup_free_quantize.py + `FlowMo._quantize` (spec §2.4).
import * as tf from '@tensorflow/tfjs-core'

const ENTROPY_TEMPERATURE = 0.1 // hard-coded in the reference (its inv_temperature argument is unused)

/** +1 where x > 0, else −1 (0 → −1). */
export function quantize(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.step(x), 2), 1)
}

/** x + (q − x).detach(): forward gives q, backward passes the gradient through unchanged. */
export const quantizeSTE = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: quantize(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => [dy],
})) as (x: tf.Tensor) => tf.Tensor

export interface LfqLosses {
  perSampleEntropy: tf.Scalar
  codebookEntropy: tf.Scalar
  entropyAux: tf.Scalar // per-sample − codebook
  commitment: tf.Scalar
  quantizerLoss: tf.Scalar // w_e·entropyAux + w_c·commitment
}

/** codebook[j, g] = +1 if bit g of j is set, else −1; [2^G, G]. */
export function lfqCodebook(G: number): tf.Tensor2D {
  const data = new Float32Array((1 << G) * G)
  for (let j = 0; j < 1 << G; j++) for (let g = 0; g < G; g++) data[j * G + g] = (j >> g) & 1 ? 1 : -1
  return tf.tensor2d(data, [1 << G, G])
}

/** Sub-tokens: [B, L, C] → [B·L·F, G] with sub-token (t, f) holding features g·F + f ("b t (fg fh) -> b fg (t fh)"). */
export function subTokens(code: tf.Tensor, G: number): tf.Tensor2D {
  const [B, L, C] = code.shape
  const F = C / G
  return tf.reshape(tf.transpose(tf.reshape(code, [B, L, G, F]), [0, 1, 3, 2]), [B * L * F, G])
}

/** The LFQ entropy and commitment losses on the continuous code [B, L, C]. */
export function lfqLosses(code: tf.Tensor, G: number, entropyWeight: number, commitWeight: number): LfqLosses {
  const x = subTokens(code, G) // [n, G]
  const logits = tf.div(tf.mul(tf.matMul(x, lfqCodebook(G), false, true), 2), ENTROPY_TEMPERATURE) // [n, 2^G]
  const probs = tf.softmax(logits)
  const logProbs = tf.logSoftmax(tf.add(logits, 1e-5)) // the reference's +1e-5 (a no-op inside log_softmax)
  const perSampleEntropy = tf.mean(tf.neg(tf.sum(tf.mul(probs, logProbs), -1))) as tf.Scalar
  const avgProbs = tf.mean(probs, 0)
  const codebookEntropy = tf.neg(tf.sum(tf.mul(avgProbs, tf.log(tf.add(avgProbs, 1e-5))))) as tf.Scalar
  const entropyAux = tf.sub(perSampleEntropy, codebookEntropy) as tf.Scalar
  const commitment = tf.mean(tf.square(tf.sub(code, quantize(code)))) as tf.Scalar
  const quantizerLoss = tf.add(tf.mul(entropyAux, entropyWeight), tf.mul(commitment, commitWeight)) as tf.Scalar
  return { perSampleEntropy, codebookEntropy, entropyAux, commitment, quantizerLoss }
}

/** LFQ indices [B, L·F]: idx[b, t·F + f] = Σ_g [code[b, t, g·F + f] > 0]·2^g (bit g has weight 2^g). */
export function lfqIndices(signs: Float32Array, B: number, L: number, C: number, G: number): Int32Array {
  const F = C / G
  const out = new Int32Array(B * L * F)
  for (let b = 0; b < B; b++)
    for (let t = 0; t < L; t++)
      for (let f = 0; f < F; f++) {
        let idx = 0
        for (let g = 0; g < G; g++) if (signs[(b * L + t) * C + g * F + f] > 0) idx += 1 << g
        out[(b * L + t) * F + f] = idx
      }
  return out
}
