// Token ids of FlowMo codes for Stage 2: the reference's `bits_to_indices` (lookup_free_quantize.py: Σ [bit_i > 0]·2^i,
// little-endian) over each token, or, for tokens wider than 12 bits, over each of FlowMo's entropy groups (sub-tokens).

/** Widest token predicted by one softmax: 2^12 = 4096 ids, TiTok's codebook size. */
export const MAX_TOKEN_BITS = 12

/** How a code [L, C] becomes ids: L positions × F sub-tokens of G bits, each id in [0, 2^G). */
export interface TokenLayout {
  readonly positions: number // L, the tokenizer's code length
  readonly subTokens: number // F = C / G; 1 when C ≤ 12
  readonly bitsPerSubToken: number // G: C itself when C ≤ 12, else the entropy group size (FlowMo-Lo 9, Hi 14)
  readonly vocabulary: number // 2^G ids per sub-token
}

/**
 * C ≤ 12: one id per token (F = 1). Wider: F = C / G sub-tokens along the reference's entropy groups: `_quantize` rearranges
 * "b t (fg fh) -> b fg (t fh)", so sub-token f holds channels {f, f + F, f + 2F, …} (interleaved, not contiguous).
 */
export function tokenLayout(codeLength: number, contextDim: number, entropyGroup: number): TokenLayout {
  const G = contextDim <= MAX_TOKEN_BITS ? contextDim : entropyGroup
  if (contextDim % G !== 0) throw new Error(`entropy group ${G} does not divide the ${contextDim} bits of a token`)
  return { positions: codeLength, subTokens: contextDim / G, bitsPerSubToken: G, vocabulary: 2 ** G }
}

/** ±1 (or any sign) codes [N, L, C] → ids [N, L, F]: id[n, t, f] = Σ_g [code[n, t, g·F + f] > 0]·2^g. */
export function bitsToIndices(bits: ArrayLike<number>, n: number, layout: TokenLayout): Int32Array {
  const { positions: L, subTokens: F, bitsPerSubToken: G } = layout
  const C = F * G
  if (bits.length !== n * L * C) throw new Error(`codes have ${bits.length} values, ${n} × ${L} × ${C} needs ${n * L * C}`)
  const out = new Int32Array(n * L * F)
  for (let r = 0; r < n * L; r++)
    for (let f = 0; f < F; f++) {
      let id = 0
      for (let g = 0; g < G; g++) if (bits[r * C + g * F + f] > 0) id += 2 ** g
      out[r * F + f] = id
    }
  return out
}

/** The inverse: ids [N, L, F] → ±1 codes [N, L, C] as float32 (what the decoder reads). */
export function indicesToBits(ids: ArrayLike<number>, n: number, layout: TokenLayout): Float32Array {
  const { positions: L, subTokens: F, bitsPerSubToken: G, vocabulary } = layout
  const C = F * G
  if (ids.length !== n * L * F) throw new Error(`ids have ${ids.length} values, ${n} × ${L} × ${F} needs ${n * L * F}`)
  const out = new Float32Array(n * L * C)
  for (let r = 0; r < n * L; r++)
    for (let f = 0; f < F; f++) {
      const id = ids[r * F + f]
      if (!(id >= 0 && id < vocabulary)) throw new Error(`token id ${id} is outside [0, ${vocabulary})`)
      for (let g = 0; g < G; g++) out[r * C + g * F + f] = Math.floor(id / 2 ** g) % 2 === 1 ? 1 : -1
    }
  return out
}
