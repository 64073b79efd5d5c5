import { describe, expect, it } from 'vitest'
import { bitBalance, bitsPerPixel, defaultGroupBits, distinctCodes, tokenEntropy, type Codes } from '../../../src/trainer/metrics/codes'

/** n images × L tokens × C bits, bit value from f(image, token, bit) ∈ {−1, +1}. */
function makeCodes(n: number, L: number, C: number, f: (b: number, t: number, c: number) => number): Codes {
  const data = new Int8Array(n * L * C)
  for (let b = 0; b < n; b++) for (let t = 0; t < L; t++) for (let c = 0; c < C; c++) data[(b * L + t) * C + c] = f(b, t, c)
  return { data, n, tokens: L, bits: C }
}

describe('codes', () => {
  it('bits per pixel of FlowMo-Lo and -Hi', () => {
    expect(bitsPerPixel(256, 18, 256, 256)).toBe(0.0703125)
    expect(bitsPerPixel(256, 56, 256, 256)).toBe(0.21875)
  })

  it('bit balance counts the fraction of +1 per [token, bit] and per bit', () => {
    // bit 0 always +1, bit 1 +1 on even images, bit 2 +1 only on token 0
    const codes = makeCodes(4, 2, 3, (b, t, c) => (c === 0 || (c === 1 && b % 2 === 0) || (c === 2 && t === 0) ? 1 : -1))
    const { perTokenBit, perBit, overall } = bitBalance(codes)
    expect([...perTokenBit]).toEqual([1, 0.5, 1, 1, 0.5, 0])
    expect([...perBit]).toEqual([1, 0.5, 0.5])
    expect(overall).toBeCloseTo(2 / 3, 14)
  })

  it('token entropy is G bits when all 2^G codes appear equally, 0 when constant', () => {
    // 8 images enumerate all 3-bit codes at token 0; token 1 is constant
    const codes = makeCodes(8, 2, 3, (b, t, c) => (t === 0 && (b >> c) & 1 ? 1 : -1))
    const e = tokenEntropy(codes)
    expect(e.groupBits).toBe(3)
    expect([...e.perSubToken]).toEqual([3, 0])
    expect(e.mean).toBe(1.5)
    expect(e.maxBits).toBe(3)
  })

  it('sub-tokens interleave bits g·F + f, as the reference LFQ groups them', () => {
    // C = 4, G = 2, F = 2: sub-token 0 = bits {0, 2}, sub-token 1 = bits {1, 3}; vary only bits 0 and 2 over 4 images
    const codes = makeCodes(4, 1, 4, (b, _t, c) => ((c === 0 && b & 1) || (c === 2 && b & 2) ? 1 : -1))
    expect([...tokenEntropy(codes, 2).perSubToken]).toEqual([2, 0])
    expect(() => tokenEntropy(codes, 3)).toThrow(/must divide/)
  })

  it('default group size follows the reference G for Lo and Hi', () => {
    expect([defaultGroupBits(6), defaultGroupBits(18), defaultGroupBits(56)]).toEqual([6, 9, 14])
  })

  it('counts distinct token codes (whole tokens or sub-tokens) and distinct image codes', () => {
    // tokens take the values (b % 2 + t) % 3 ∈ {0, 1, 2} in 2 bits; images 0 and 2 are identical
    const codes = makeCodes(4, 3, 2, (b, t, c) => (((b % 2) + t) % 3 >> c) & 1 ? 1 : -1)
    expect(distinctCodes(codes)).toEqual({ groupBits: 2, subTokenCodes: 3, imageCodes: 2 })
    // one bit per sub-token: only the values 0 and 1 exist
    expect(distinctCodes(codes, 1).subTokenCodes).toBe(2)
  })
})
