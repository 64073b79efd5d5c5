// Code-book diagnostics beyond codes.ts's balance and entropy, the standard checks for a collapsed code: the bit
// correlation matrix (bits pooled over images and tokens) and code-book utilisation of the sub-tokens (distinct
// values of 2^G, perplexity 2^H of their pooled distribution). codeStatistics gathers all of them for one set.
import { bitBalance, defaultGroupBits, distinctCodes, tokenEntropy, type Codes } from './codes'

/** Pearson correlation of bits i and j over the n·L (image, token) rows, [C, C] row-major; NaN where a bit never changes. */
export function bitCorrelation(codes: Codes): Float64Array {
  const { data, n, tokens: L, bits: C } = codes
  const rows = n * L
  const mean = new Float64Array(C) // summed first (exact integers), so a constant bit centres to exactly 0
  for (let r = 0; r < rows; r++) for (let i = 0; i < C; i++) mean[i] += data[r * C + i] > 0 ? 1 : -1
  for (let i = 0; i < C; i++) mean[i] /= rows
  const cov = new Float64Array(C * C)
  const x = new Float64Array(C)
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < C; i++) x[i] = (data[r * C + i] > 0 ? 1 : -1) - mean[i]
    for (let i = 0; i < C; i++) for (let j = i; j < C; j++) cov[i * C + j] += x[i] * x[j]
  }
  const corr = new Float64Array(C * C)
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      const d = Math.sqrt(cov[i * C + i] * cov[j * C + j])
      corr[i * C + j] = corr[j * C + i] = d > 0 ? cov[i * C + j] / d : NaN
    }
  }
  return corr
}

export interface CodebookUsage {
  readonly groupBits: number // G: a sub-token takes one of 2^G values
  readonly counts: ReadonlyMap<number, number> // sub-token value → occurrences over all n·L·F sub-tokens
  readonly distinct: number
  readonly utilisation: number // distinct / 2^G
  readonly entropyBits: number // H of the pooled distribution
  readonly perplexity: number // 2^H: the number of equally used codes with the same entropy
}

/** Pooled usage of the G-bit sub-token values (bits g·F + f of a token, index Σ_g [bit > 0]·2^g, as codes.ts). */
export function codebookUsage(codes: Codes, groupBits = defaultGroupBits(codes.bits)): CodebookUsage {
  const { data, n, tokens: L, bits: C } = codes
  const F = C / groupBits
  const counts = new Map<number, number>()
  for (let r = 0; r < n * L; r++) {
    for (let f = 0; f < F; f++) {
      let index = 0
      for (let g = 0; g < groupBits; g++) if (data[r * C + g * F + f] > 0) index += 2 ** g
      counts.set(index, (counts.get(index) ?? 0) + 1)
    }
  }
  const total = n * L * F
  const entropyBits = [...counts.values()].reduce((h, c) => h - (c / total) * Math.log2(c / total), 0)
  return { groupBits, counts, distinct: counts.size, utilisation: counts.size / 2 ** groupBits, entropyBits, perplexity: 2 ** entropyBits }
}

/** Every diagnostic of one set of codes, as plain JSON-ready numbers. */
export function codeStatistics(codes: Codes, groupBits = defaultGroupBits(codes.bits)) {
  const balance = bitBalance(codes)
  const entropy = tokenEntropy(codes, groupBits)
  const usage = codebookUsage(codes, groupBits)
  const distinct = distinctCodes(codes, groupBits)
  const perToken = Array.from({ length: codes.tokens }, (_, t) => {
    const h = entropy.perSubToken.subarray(t * entropy.subTokens, (t + 1) * entropy.subTokens)
    return h.reduce((a, v) => a + v, 0) // bits of entropy of token t (its sub-tokens' sum)
  })
  return {
    n: codes.n, tokens: codes.tokens, bits: codes.bits, groupBits,
    bitUsage: { perBit: Array.from(balance.perBit), perTokenBit: Array.from(balance.perTokenBit), overall: balance.overall },
    tokenEntropy: { perToken, perSubToken: Array.from(entropy.perSubToken), meanSubToken: entropy.mean, maxBitsPerSubToken: entropy.maxBits },
    bitCorrelation: Array.from(bitCorrelation(codes), (v) => (Number.isNaN(v) ? null : v)),
    codebook: { distinct: usage.distinct, possible: 2 ** groupBits, utilisation: usage.utilisation, entropyBits: usage.entropyBits, perplexity: usage.perplexity },
    distinctImageCodes: distinct.imageCodes,
  }
}
