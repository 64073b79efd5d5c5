// The small tensor-ops interface the FlowMo forward pass is written against (architecture §2).
// One model definition, two executions: `tf-ops.ts` runs it eagerly on tfjs (training, autograd),
// the ONNX tracer records the same calls into a graph (export, onnxruntime-node inference).

/** A named parameter as declared by a layer: the PyTorch state-dict key and its shape. */
export interface ParamRef {
  readonly name: string // e.g. "decoder.double_blocks.3.img_attn.qkv.weight"
  readonly shape: readonly number[] // PyTorch layout: Linear weights are [out, in]
}

/**
 * Tensor operations over an opaque tensor type T. Shapes are static numbers, except that in a traced
 * execution dimension 0 may be -1 (dynamic batch): model code passes it through to `reshape` and never
 * computes with it.
 */
export interface Ops<T> {
  /** The tensor bound to a declared parameter. */
  param(ref: ParamRef): T
  /** A constant (RoPE tables, frequency tables, codebooks). */
  constant(data: Float32Array, shape: readonly number[]): T
  /** A tensor of `[batch(like), ...shape]` filled with `value`; batch is taken from dim 0 of `like`. */
  fill(like: T, shape: readonly number[], value: number): T
  shape(x: T): number[]

  reshape(x: T, shape: readonly number[]): T // at most one -1
  transpose(x: T, perm: readonly number[]): T
  concat(xs: readonly T[], axis: number): T
  slice(x: T, axis: number, begin: number, size: number): T

  /** x [..., in] · wᵀ + b with w [out, in] (PyTorch nn.Linear). */
  linear(x: T, w: T, b: T | null): T
  /** Batched matmul over equal leading dims: a [..., M, K] · b [..., K, N] (or bᵀ when transposeB). */
  matmul(a: T, b: T, transposeB: boolean): T

  add(a: T, b: T): T // broadcasting, numpy rules
  sub(a: T, b: T): T
  mul(a: T, b: T): T
  scale(x: T, s: number): T // x · s
  addScalar(x: T, s: number): T // x + s

  silu(x: T): T
  geluTanh(x: T): T // GELU, tanh approximation (nn.GELU(approximate="tanh"))
  softmax(x: T): T // over the last axis
  /** softmax(q kᵀ · scale) v per head: q, k, v [B, H, L, D] → [B, L, H·D] ("B H L D -> B L (H D)"). */
  attention(q: T, k: T, v: T, scale: number): T
  layerNorm(x: T, eps: number): T // non-affine, biased variance, over the last axis
  rmsNorm(x: T, scale: T, eps: number): T // x · rsqrt(mean(x², -1) + eps) · scale
  cos(x: T): T
  sin(x: T): T
}
