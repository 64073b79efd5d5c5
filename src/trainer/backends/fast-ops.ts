// `linear` and batched `bmm` as tf.customGrad ops whose backward avoids tfjs-wasm's slow path: its matMul runs on
// XNNPACK only for 2-D operands without transpose flags, which autograd's MatMul gradient always sets
// (architecture.md "Known tfjs-wasm traps"). Same values and gradients as tf.matMul. bench/backend-ops.ts, wasm,
// fwd+bwd of x [2560, 256]·W [768, 256]ᵀ + b: 741 → 92 ms (1 thread), 1108–2173 → 172–320 ms (2 threads, busy
// machine). bmm: no split beat one BatchMatMul (q·kᵀ, att·v of 32 heads × 320 tokens), so none is used yet.
import * as tf from '@tensorflow/tfjs-core'

/** How a [G, M, K]·[G, K, N] product is computed: one BatchMatMul, or G separate 2-D matmuls concatenated. */
export type BmmStrategy = 'batched' | 'split'

/** Fastest strategy per backend, measured (bench/backend-ops.ts); backends not listed use 'batched'. */
const BMM_STRATEGY: Readonly<Record<string, BmmStrategy>> = {}

/**
 * a·b with optional transposes. On wasm the transposes are explicit tf.transpose calls, so a 2-D product stays
 * on XNNPACK; elsewhere they are matMul flags (the cpu backend's strided loop is faster than a transpose copy).
 */
function matMulT<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB) as T
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b) as T
}

function swapLast<T extends tf.Tensor2D | tf.Tensor3D>(x: T): T {
  return tf.transpose(x, x.rank === 2 ? [1, 0] : [0, 2, 1]) as T
}

/** y = x·wᵀ (+ b), as torch.nn.functional.linear: x [N, in], w [out, in], b [out] → [N, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  return b ? linearWithBias(x, w, b) : linearNoBias(x, w)
}

const linearNoBias = tf.customGrad((x, w, save) => {
  const [x2, w2] = [x as tf.Tensor2D, w as tf.Tensor2D]
  ;(save as tf.GradSaveFunc)([x2, w2])
  return {
    value: matMulT(x2, w2, false, true),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => linearGrads(dy, xs as tf.Tensor2D, ws as tf.Tensor2D),
  }
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D

const linearWithBias = tf.customGrad((x, w, b, save) => {
  const [x2, w2, b1] = [x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D]
  ;(save as tf.GradSaveFunc)([x2, w2])
  return {
    value: tf.add(matMulT(x2, w2, false, true), b1),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
      ...linearGrads(dy, xs as tf.Tensor2D, ws as tf.Tensor2D),
      tf.sum(dy, 0), // db [out]
    ],
  }
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D

/** dx = dy·w [N, in]; dw = dyᵀ·x [out, in]. */
function linearGrads(dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D[] {
  return [matMulT(dy, w), matMulT(dy, x, true, false)]
}

/** Batched matmul a [G, M, K] · b [G, K, N] → [G, M, N], with the strategy measured fastest on this backend. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return BMM[BMM_STRATEGY[tf.getBackend()] ?? 'batched'](a, b)
}

/** bmm with a fixed strategy (for measuring; use `bmm`). */
export function bmmWith(strategy: BmmStrategy): (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D {
  return BMM[strategy]
}

type Product = (a: tf.Tensor3D, b: tf.Tensor3D, transposeA?: boolean, transposeB?: boolean) => tf.Tensor3D

function bmmGrad(product: Product) {
  return tf.customGrad((a, b, save) => {
    const [a3, b3] = [a as tf.Tensor3D, b as tf.Tensor3D]
    ;(save as tf.GradSaveFunc)([a3, b3])
    return {
      value: product(a3, b3),
      gradFunc: (dy: tf.Tensor3D, [as, bs]: tf.Tensor[]) => [
        product(dy, bs as tf.Tensor3D, false, true), // da = dy·bᵀ [G, M, K]
        product(as as tf.Tensor3D, dy, true, false), // db = aᵀ·dy [G, K, N]
      ],
    }
  }) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D
}

/**
 * G plain 2-D matmuls. Operands are picked with gather, not slice/unstack: tfjs-wasm's Slice reads the whole
 * input back from the heap on every call, which made 32 slices cost more than the matmuls themselves.
 */
function splitMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  const [G, M] = [a.shape[0], a.shape[transposeA ? 2 : 1]]
  const N = b.shape[transposeB ? 1 : 2]
  const products = Array.from({ length: G }, (_, g) => {
    const index = tf.tensor1d([g], 'int32')
    const pick = (x: tf.Tensor3D) => tf.reshape(tf.gather(x, index), [x.shape[1], x.shape[2]]) as tf.Tensor2D
    return matMulT(pick(a), pick(b), transposeA, transposeB)
  })
  return tf.reshape(tf.concat(products, 0), [G, M, N]) // [G·M, N] → [G, M, N]
}

const BMM: Record<BmmStrategy, (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D> = {
  batched: bmmGrad((a, b, transposeA, transposeB) => tf.matMul(a, b, transposeA, transposeB)),
  split: bmmGrad(splitMatMul),
}
