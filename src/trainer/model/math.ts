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
export function attention<T>(o: Ops<T>, q: T, k: T, v: T, pe: T, scale: number): T {
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

/** The table as one constant [L, D/2, 2] (cos, sin) for `applyRope`. */
export function ropeConstant<T>(o: Ops<T>, table: RopeTable): T {
  const data = new Float32Array(table.tokens * table.pairs * 2)
  for (let i = 0; i < table.cos.length; i++) {
    data[2 * i] = table.cos[i]
    data[2 * i + 1] = table.sin[i]
  }
  return o.constant(data, [table.tokens, table.pairs, 2])
}

/** Rotate adjacent pairs (2i, 2i+1) of x [B, H, L, D] by the angles in pe [L, D/2, 2]. */
export function applyRope<T>(o: Ops<T>, x: T, pe: T): T {
  const [, H, L, D] = o.shape(x)
  const xp = o.reshape(x, [-1, H, L, D / 2, 2])
  const x0 = o.slice(xp, 4, 0, 1) // [B, H, L, D/2, 1]
  const x1 = o.slice(xp, 4, 1, 1)
  const cos = o.slice(pe, 2, 0, 1) // [L, D/2, 1]
  const sin = o.slice(pe, 2, 1, 1)
  const y0 = o.sub(o.mul(cos, x0), o.mul(sin, x1))
  const y1 = o.add(o.mul(sin, x0), o.mul(cos, x1))
  return o.reshape(o.concat([y0, y1], 4), [-1, H, L, D])
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
