// Stateless math of the Flux/FlowMo transformer: attention, RoPE, timestep embedding.
// Port of flowmo/models.py `attention`, `rope`, `apply_rope`, `EmbedND`, `timestep_embedding` (Flux math.py).
import type { Ops } from './ops'
import { TIMESTEP_FREQS } from './timestep-freqs'

/** RoPE rotation table for a token sequence: cos/sin of every (token, pair) angle, [L, D/2] each. */
export interface RopeTable {
  readonly cos: Float32Array
  readonly sin: Float32Array
  readonly tokens: number // L
  readonly pairs: number // D/2
}

/** softmax(q kᵀ · scale) v with RoPE on q and k; [B, H, L, D] in, [B, L, H·D] out. */
export function attention<T>(o: Ops<T>, q: T, k: T, v: T, pe: RopeTensors<T>, scale: number): T {
  return o.attention(applyRope(o, q, pe), applyRope(o, k, pe), v, scale)
}

/**
 * Angles p·ω_k with ω_k = θ^(−2k/dim), computed in float64 from float32 positions, as the reference
 * (`torch.arange(0, dim, 2, dtype=float64) / dim`); returns [positions.length, dim/2] angles.
 */
export function rope(positions: Float32Array, dim: number, theta: number): Float64Array {
  if (dim % 2 !== 0) throw new Error(`RoPE axis dim must be even, got ${dim}`)
  const half = dim / 2
  const out = new Float64Array(positions.length * half)
  for (let i = 0; i < positions.length; i++) {
    for (let k = 0; k < half; k++) out[i * half + k] = positions[i] * (1 / Math.pow(theta, (2 * k) / dim))
  }
  return out
}

/** EmbedND: concatenate the per-axis angles of 3-axis ids, take cos/sin in float64, cast to float32. */
export function embedND(ids: readonly (readonly number[])[], axesDim: readonly number[], theta: number): RopeTable {
  const pairs = axesDim.reduce((a, d) => a + d / 2, 0)
  const cos = new Float32Array(ids.length * pairs)
  const sin = new Float32Array(ids.length * pairs)
  let offset = 0
  axesDim.forEach((dim, axis) => {
    const angles = rope(Float32Array.from(ids, (id) => id[axis]), dim, theta)
    for (let i = 0; i < ids.length; i++) {
      for (let k = 0; k < dim / 2; k++) {
        const a = angles[i * (dim / 2) + k]
        cos[i * pairs + offset + k] = Math.cos(a)
        sin[i * pairs + offset + k] = Math.sin(a)
      }
    }
    offset += dim / 2
  })
  return { cos, sin, tokens: ids.length, pairs }
}

/** RoPE as tensors: per-element cos and signed sin [L, D], and the pair swap [D, D] (x·swap exchanges 2i ↔ 2i+1). */
export interface RopeTensors<T> {
  cos: T
  sin: T
  swap: T
}

/** Expand the table to full head width: cos [c₀, c₀, c₁, c₁, …], sin [−s₀, s₀, −s₁, s₁, …]. */
export function ropeTensors<T>(o: Ops<T>, table: RopeTable): RopeTensors<T> {
  const D = table.pairs * 2
  const cos = new Float32Array(table.tokens * D)
  const sin = new Float32Array(table.tokens * D)
  for (let i = 0; i < table.cos.length; i++) {
    cos[2 * i] = cos[2 * i + 1] = table.cos[i]
    sin[2 * i] = -table.sin[i]
    sin[2 * i + 1] = table.sin[i]
  }
  const swap = new Float32Array(D * D)
  for (let k = 0; k < D; k++) swap[k * D + (k ^ 1)] = 1
  return { cos: o.constant(cos, [table.tokens, D]), sin: o.constant(sin, [table.tokens, D]), swap: o.constant(swap, [D, D]) }
}

/**
 * Rotate adjacent pairs (2i, 2i+1) of x [B, H, L, D]: y₂ᵢ = cos·x₂ᵢ − sin·x₂ᵢ₊₁, y₂ᵢ₊₁ = sin·x₂ᵢ + cos·x₂ᵢ₊₁
 * (the reference's interleaved pairs, bit-identical in fp32), as x⊙cos + (x·swap)⊙sin with no strided slices.
 */
export function applyRope<T>(o: Ops<T>, x: T, pe: RopeTensors<T>): T {
  const swapped = o.linear(x, pe.swap, null) // swap is symmetric, so x·swapᵀ = x·swap
  return o.add(o.mul(x, pe.cos), o.mul(swapped, pe.sin))
}

/** Position ids: latent token j → (j, j, j), image token (r, c) → (0, r, c); sequence [latent ; image]. */
export function prepareIds(codeLength: number, gridH: number, gridW: number): number[][] {
  const ids: number[][] = []
  for (let j = 0; j < codeLength; j++) ids.push([j, j, j])
  for (let r = 0; r < gridH; r++) for (let c = 0; c < gridW; c++) ids.push([0, r, c])
  return ids
}

/** [cos(1000t·f), sin(1000t·f)] for t [B] → [B, 256]; cos first, float32 as the reference. */
export function timestepEmbedding<T>(o: Ops<T>, t: T, timeFactor = 1000): T {
  const half = TIMESTEP_FREQS.length
  const args = o.mul(o.reshape(o.scale(t, timeFactor), [-1, 1]), o.constant(TIMESTEP_FREQS, [1, half])) // [B, 128]
  return o.concat([o.cos(args), o.sin(args)], 1)
}

/** (1 + scale)·x + shift, the adaLN modulation. */
export function modulate<T>(o: Ops<T>, x: T, shift: T, scale: T): T {
  return o.add(o.mul(o.addScalar(scale, 1), x), shift)
}
