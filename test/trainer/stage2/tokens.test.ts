// Token ids of FlowMo codes: the reference's little-endian bits_to_indices per token (C ≤ 12) and per interleaved entropy
// group (wider tokens), checked against the LFQ quantiser's own index function and a direct recomputation.
import { describe, expect, it } from 'vitest'
import { Rng } from '../../../src/trainer/data/rng'
import { lfqIndices } from '../../../src/trainer/model/lfq'
import { bitsToIndices, indicesToBits, tokenLayout } from '../../../src/trainer/stage2/tokens'

function randomSigns(n: number, seed: number): Float32Array {
  const rng = Rng.fromSeed(seed, 0)
  return Float32Array.from({ length: n }, () => (rng.nextFloat() < 0.5 ? -1 : 1))
}

describe('tokenLayout', () => {
  it('keeps whole tokens up to 12 bits and splits wider ones along the entropy groups', () => {
    expect(tokenLayout(64, 12, 6)).toEqual({ positions: 64, subTokens: 1, bitsPerSubToken: 12, vocabulary: 4096 })
    expect(tokenLayout(256, 18, 9)).toEqual({ positions: 256, subTokens: 2, bitsPerSubToken: 9, vocabulary: 512 }) // FlowMo-Lo
    expect(tokenLayout(256, 56, 14)).toEqual({ positions: 256, subTokens: 4, bitsPerSubToken: 14, vocabulary: 16384 }) // FlowMo-Hi
  })
})

describe('bitsToIndices', () => {
  it('is Σ [bit_i > 0]·2^i over a whole token of ≤ 12 bits', () => {
    const bits = [1, -1, 1, 1, -1, -1, -1, -1, -1, -1, -1, 1] // bits 0, 2, 3, 11 set
    expect(Array.from(bitsToIndices(bits, 1, tokenLayout(1, 12, 6)))).toEqual([1 + 4 + 8 + 2048])
  })

  it('matches the quantiser’s LFQ indices for interleaved 9-bit groups (FlowMo-Lo)', () => {
    const layout = tokenLayout(5, 18, 9)
    const signs = randomSigns(3 * 5 * 18, 1)
    expect(Array.from(bitsToIndices(signs, 3, layout))).toEqual(Array.from(lfqIndices(signs, 3, 5, 18, 9)))
    // sub-token 1 of token 0 holds channels 1, 3, 5, …, 17
    const direct = [...Array(9).keys()].reduce((id, g) => id + (signs[2 * g + 1] > 0 ? 2 ** g : 0), 0)
    expect(bitsToIndices(signs, 3, layout)[1]).toBe(direct)
  })

  it('round-trips through indicesToBits', () => {
    for (const [L, C, G] of [[7, 12, 6], [4, 18, 9], [3, 56, 14]]) {
      const layout = tokenLayout(L, C, G)
      const signs = randomSigns(2 * L * C, C)
      expect(Array.from(indicesToBits(bitsToIndices(signs, 2, layout), 2, layout))).toEqual(Array.from(signs))
    }
    expect(() => indicesToBits([4096], 1, tokenLayout(1, 12, 6))).toThrow(/outside \[0, 4096\)/)
  })
})
