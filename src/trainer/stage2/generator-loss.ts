// TiTok's MLMLoss (bytedance/1d-tokenizer modeling/modules/losses.py): per-sub-token cross-entropy with label smoothing
// 0.1, weight 1 on masked sub-tokens and 0.1 on the others, loss = Σ w·CE / Σ w; accuracy counts masked sub-tokens only.
import * as tf from '@tensorflow/tfjs-core'

export const LABEL_SMOOTHING = 0.1
export const UNMASKED_WEIGHT = 0.1

export interface MlmLoss {
  loss: tf.Scalar
  correct: tf.Scalar // masked sub-tokens whose argmax is the target
}

/** logits [B, T, F·V], targets and masks [B·T·F] (1 = masked) → the weighted, smoothed cross-entropy. */
export function mlmLoss(logits: tf.Tensor, targets: Int32Array, masks: Uint8Array, V: number, smoothing = LABEL_SMOOTHING, unmaskedWeight = UNMASKED_WEIGHT): MlmLoss {
  const n = targets.length
  const logp = tf.logSoftmax(tf.reshape(logits, [n, V])) // [N, V]
  const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), V) // [N, V]
  // torch's label smoothing: (1 − ε)·(−log p_target) + ε·mean_v(−log p_v)
  const ce = tf.neg(tf.add(tf.mul(tf.sum(tf.mul(onehot, logp), 1), 1 - smoothing), tf.mul(tf.mean(logp, 1), smoothing))) // [N]
  const w = Float32Array.from(masks, (m) => (m ? 1 : unmaskedWeight))
  const wSum = w.reduce((a, b) => a + b, 0)
  const loss = tf.div(tf.sum(tf.mul(ce, tf.tensor1d(w))), wSum) as tf.Scalar
  const hit = tf.cast(tf.equal(tf.argMax(logp, 1), tf.tensor1d(targets, 'int32')), 'float32')
  const correct = tf.sum(tf.mul(hit, tf.tensor1d(Float32Array.from(masks)))) as tf.Scalar
  return { loss, correct }
}

/** The ONNX step's target [N, V] (export/grad/generator-graph.ts): w/Σw·((1 − ε)·onehot + ε/V), so −Σ target ⊙ log p = Σ w·CE / Σ w. */
export function mlmTargets(targets: Int32Array, masks: Uint8Array, V: number, smoothing = LABEL_SMOOTHING, unmaskedWeight = UNMASKED_WEIGHT): Float32Array {
  const w = Float32Array.from(masks, (m) => (m ? 1 : unmaskedWeight))
  const wSum = w.reduce((a, b) => a + b, 0)
  const out = new Float32Array(targets.length * V)
  targets.forEach((t, n) => {
    const scale = w[n] / wSum
    out.fill((scale * smoothing) / V, n * V, (n + 1) * V)
    out[n * V + t] += scale * (1 - smoothing)
  })
  return out
}
