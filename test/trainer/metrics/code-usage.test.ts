// Code-book diagnostics against direct recomputation: correlations from sums of products on a random code with
// planted copies and negations, sub-token usage from string-keyed histograms, and known extremes (a uniform code
// book has perplexity 2^G; a collapsed one 1).
import { describe, expect, it } from 'vitest'
import type { Codes } from '../../../src/trainer/metrics/codes'
import { bitCorrelation, codebookUsage, codeStatistics } from '../../../src/trainer/metrics/code-usage'
import { Rng } from '../../../src/trainer/data/rng'

function randomCodes(n: number, L: number, C: number, seed: number): Codes {
  const rng = Rng.fromSeed(seed)
  const data = new Int8Array(n * L * C).map(() => (rng.nextFloat() < 0.3 ? 1 : -1))
  return { data, n, tokens: L, bits: C }
}

describe('bitCorrelation', () => {
  it('matches the textbook formula; a copied bit correlates 1, a negated one −1, a constant one is NaN', () => {
    const codes = randomCodes(40, 8, 6, 1)
    const d = codes.data as Int8Array
    for (let r = 0; r < 40 * 8; r++) {
      d[r * 6 + 4] = d[r * 6 + 1] // bit 4 copies bit 1
      d[r * 6 + 5] = -d[r * 6 + 2] // bit 5 negates bit 2
    }
    const corr = bitCorrelation(codes)
    const col = (i: number) => Array.from({ length: 320 }, (_, r) => d[r * 6 + i])
    const pearson = (a: number[], b: number[]) => {
      const ma = a.reduce((s, v) => s + v, 0) / a.length
      const mb = b.reduce((s, v) => s + v, 0) / b.length
      const sab = a.reduce((s, v, k) => s + (v - ma) * (b[k] - mb), 0)
      return sab / Math.sqrt(a.reduce((s, v) => s + (v - ma) ** 2, 0) * b.reduce((s, v) => s + (v - mb) ** 2, 0))
    }
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(corr[i * 6 + j]).toBeCloseTo(pearson(col(i), col(j)), 10)
    expect([corr[1 * 6 + 4], corr[2 * 6 + 5], corr[3 * 6 + 3]]).toEqual([expect.closeTo(1, 12), expect.closeTo(-1, 12), expect.closeTo(1, 12)])
    for (let r = 0; r < 320; r++) d[r * 6] = 1
    expect(Number.isNaN(bitCorrelation(codes)[0])).toBe(true)
  })
})

describe('codebookUsage', () => {
  it('counts sub-token values as a string-keyed histogram does; perplexity is 2^H', () => {
    const codes = randomCodes(30, 4, 6, 2) // G = 3 → F = 2 sub-tokens of bits {0, 2, 4} and {1, 3, 5}
    const u = codebookUsage(codes, 3)
    const hist = new Map<string, number>()
    const d = codes.data
    for (let r = 0; r < 120; r++) {
      for (const bitsOf of [[0, 2, 4], [1, 3, 5]]) {
        const key = bitsOf.map((b) => (d[r * 6 + b] > 0 ? '1' : '0')).join('')
        hist.set(key, (hist.get(key) ?? 0) + 1)
      }
    }
    expect(u.distinct).toBe(hist.size)
    const H = [...hist.values()].reduce((h, c) => h - (c / 240) * Math.log2(c / 240), 0)
    expect(u.entropyBits).toBeCloseTo(H, 12)
    expect(u.perplexity).toBeCloseTo(2 ** H, 10)
    expect(u.utilisation).toBe(hist.size / 8)
  })

  it('a code book used uniformly has perplexity 2^G; a collapsed one 1', () => {
    const all = new Int8Array(8 * 3) // the 8 values of one 3-bit token, once each
    for (let v = 0; v < 8; v++) for (let g = 0; g < 3; g++) all[v * 3 + g] = (v >> g) & 1 ? 1 : -1
    expect(codebookUsage({ data: all, n: 8, tokens: 1, bits: 3 }, 3)).toMatchObject({ distinct: 8, utilisation: 1, perplexity: expect.closeTo(8, 10) })
    expect(codebookUsage({ data: new Int8Array(24).fill(-1), n: 8, tokens: 1, bits: 3 }, 3)).toMatchObject({ distinct: 1, perplexity: 1 })
  })
})

describe('codeStatistics', () => {
  it('gathers usage, per-token entropy (sum of its sub-tokens), the matrix and the code book', () => {
    const codes = randomCodes(16, 3, 4, 3)
    const s = codeStatistics(codes, 2)
    expect([s.n, s.tokens, s.bits, s.groupBits, s.bitUsage.perBit.length, s.bitCorrelation.length, s.tokenEntropy.perToken.length]).toEqual([16, 3, 4, 2, 4, 16, 3])
    expect(s.tokenEntropy.perToken[1]).toBeCloseTo(s.tokenEntropy.perSubToken[2] + s.tokenEntropy.perSubToken[3], 12)
    const ones = Array.from(codes.data).filter((v) => v > 0).length
    expect(s.bitUsage.overall).toBeCloseTo(ones / codes.data.length, 12)
    expect(s.codebook.possible).toBe(4)
  })
})
