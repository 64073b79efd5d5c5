// `linear` and batched `bmm` with hand-written gradients made only of plain 2-D/3-D matmuls and explicit transposes:
// tfjs-wasm's matMul is fast (XNNPACK) only without transpose flags, which autograd's MatMul gradient uses
// (architecture.md "Known tfjs-wasm traps"). Same values and gradients as tf.matMul. Figures: bench/backend-ops.ts.
import * as tf from '@tensorflow/tfjs-core'

/** How a [G, M, K]·[G, K, N] product is computed: one BatchMatMul, or G separate 2-D matmuls stacked. */
export type BmmStrategy = 'batched' | 'split'

/** Fastest strategy per backend, measured (bench/backend-ops.ts); backends not listed use 'batched'. */
const BMM_STRATEGY: Readonly<Record<string, BmmStrategy>> = { wasm: 'split' }

/** y = x·wᵀ (+ b), as torch.nn.functional.linear: x [N, in], w [out, in], b [out] → [N, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  return b ? linearWithBias(x, w, b) : linearNoBias(x, w)
}

const linearNoBias = tf.customGrad((x, w, save) => {
  const [x2, w2] = [x as tf.Tensor2D, w as tf.Tensor2D]
  ;(save as tf.GradSaveFunc)([x2, w2])
  return {
    value: tf.matMul(x2, tf.transpose(w2)),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => linearGrads(dy, xs as tf.Tensor2D, ws as tf.Tensor2D),
  }
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D

const linearWithBias = tf.customGrad((x, w, b, save) => {
  const [x2, w2, b1] = [x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D]
  ;(save as tf.GradSaveFunc)([x2, w2])
  return {
    value: tf.add(tf.matMul(x2, tf.transpose(w2)), b1),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
      ...linearGrads(dy, xs as tf.Tensor2D, ws as tf.Tensor2D),
      tf.sum(dy, 0), // db [out]
    ],
  }
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D

/** dx = dy·w [N, in]; dw = dyᵀ·x [out, in]. */
function linearGrads(dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D[] {
  return [tf.matMul(dy, w), tf.matMul(tf.transpose(dy), x)]
}

/** Batched matmul a [G, M, K] · b [G, K, N] → [G, M, N], with the strategy measured fastest on this backend. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return BMM[BMM_STRATEGY[tf.getBackend()] ?? 'batched'](a, b)
}

/** bmm with a fixed strategy (for measuring; use `bmm`). */
export function bmmWith(strategy: BmmStrategy): (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D {
  return BMM[strategy]
}

function bmmGrad(product: (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D) {
  return tf.customGrad((a, b, save) => {
    const [a3, b3] = [a as tf.Tensor3D, b as tf.Tensor3D]
    ;(save as tf.GradSaveFunc)([a3, b3])
    return {
      value: product(a3, b3),
      gradFunc: (dy: tf.Tensor3D, [as, bs]: tf.Tensor[]) => [
        product(dy, swapLast(bs as tf.Tensor3D)), // da = dy·bᵀ [G, M, K]
        product(swapLast(as as tf.Tensor3D), dy), // db = aᵀ·dy [G, K, N]
      ],
    }
  }) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D
}

function swapLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1])
}

/**
 * G plain 2-D matmuls. Operands are picked with gather, not slice/unstack: tfjs-wasm's Slice reads the whole
 * input back from the heap on every call, which made 32 slices cost more than the matmuls themselves.
 */
function splitMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [G, M, K] = a.shape
  const N = b.shape[2]
  const products = Array.from({ length: G }, (_, g) => {
    const index = tf.tensor1d([g], 'int32')
    const ag = tf.reshape(tf.gather(a, index), [M, K])
    const bg = tf.reshape(tf.gather(b, index), [K, N])
    return tf.matMul(ag as tf.Tensor2D, bg as tf.Tensor2D)
  })
  return tf.reshape(tf.concat(products, 0), [G, M, N]) // [G·M, N] → [G, M, N]
}

const BMM: Record<BmmStrategy, (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D> = {
  batched: bmmGrad((a, b) => tf.matMul(a, b)),
  split: bmmGrad(splitMatMul),
}
