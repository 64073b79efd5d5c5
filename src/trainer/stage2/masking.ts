// MaskGiT masking with TiTok's arccos schedule (bytedance/1d-tokenizer modeling/maskgit.py `masking_input_tokens`): draw
// u ~ U(0, 1), mask exactly round(N·acos(u)/(π/2)) of the N sub-tokens (at least 1), chosen by a random permutation;
// and the generator's input: ±1 bits of every sub-token, 0 for the masked ones (MaskBiT's embedding-free input).
import { permutation, type Rng } from '../data/rng'
import { indicesToBits, type TokenLayout } from './tokens'

/** The arccos schedule: the share of sub-tokens still masked at progress r ∈ [0, 1] (1 at r = 0, 0 at r = 1). */
export function arccosRatio(r: number): number {
  return Math.acos(r) / (Math.PI / 2)
}

/** Sub-tokens to mask for a draw u: round(N · clamp(acos(u)/(π/2), 1e-6, 1)), at least 1 (TiTok). */
export function maskedCount(u: number, n: number): number {
  const ratio = Math.min(Math.max(arccosRatio(u), 1e-6), 1)
  return Math.max(1, Math.round(n * ratio))
}

/** One training mask per sequence: [B, N] with 1 = masked, N = T·F. */
export function drawMasks(batch: number, n: number, rng: Rng): Uint8Array {
  const masks = new Uint8Array(batch * n)
  for (let b = 0; b < batch; b++) {
    const count = maskedCount(rng.nextFloat(), n)
    const order = permutation(n, rng)
    for (let i = 0; i < count; i++) masks[b * n + order[i]] = 1
  }
  return masks
}

/** ids [B, T, F] and masks [B, T·F] → the generator's bit input [B, T, C]: ±1, and 0 on the channels of masked sub-tokens. */
export function maskedBits(ids: Int32Array, masks: Uint8Array, batch: number, layout: TokenLayout): Float32Array {
  const { positions: T, subTokens: F, bitsPerSubToken: G } = layout
  const safe = ids.map((id, i) => (masks[i] ? 0 : id)) // masked ids may be placeholders
  const bits = indicesToBits(safe, batch, layout)
  for (let i = 0; i < batch * T * F; i++) {
    if (!masks[i]) continue
    const row = Math.floor(i / F) * F * G
    for (let g = 0; g < G; g++) bits[row + g * F + (i % F)] = 0
  }
  return bits
}
