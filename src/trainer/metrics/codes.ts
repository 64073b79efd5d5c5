// Code statistics for LFQ codes (±1 per bit, layout [N, L, C] = images, tokens, bits, as FlowMo's quantiser emits them):
// bits per pixel, per-bit balance, per-(sub-)token entropy and distinct-code counts.
// Sub-tokens follow the reference's LFQ grouping: with G bits per group and F = C/G, sub-token f of a token holds bits g·F + f,
// and its index is Σ_g [bit > 0]·2^g (reference spec §2.3, "Token index convention").

export interface Codes {
  readonly data: Float32Array | Int8Array // [n, tokens, bits], a bit is set when > 0
  readonly n: number
  readonly tokens: number // L, e.g. 256
  readonly bits: number // C, e.g. 18 (Lo) or 56 (Hi)
}

/** Bits per pixel of a code of L tokens × C bits for an H×W image: L·C / (H·W). */
export const bitsPerPixel = (tokens: number, bits: number, heightPx: number, widthPx: number): number =>
  (tokens * bits) / (heightPx * widthPx)

export interface BitBalance {
  readonly perTokenBit: Float64Array // [L, C] fraction of images whose bit is +1
  readonly perBit: Float64Array // [C] the same, pooled over tokens
  readonly overall: number // fraction of all bits that are +1
}

export function bitBalance(codes: Codes): BitBalance {
  const { data, n, tokens: L, bits: C } = codes
  const perTokenBit = new Float64Array(L * C)
  for (let b = 0; b < n; b++) for (let i = 0; i < L * C; i++) if (data[b * L * C + i] > 0) perTokenBit[i] += 1 / n
  const perBit = new Float64Array(C)
  for (let i = 0; i < L * C; i++) perBit[i % C] += perTokenBit[i] / L
  return { perTokenBit, perBit, overall: perBit.reduce((a, v) => a + v, 0) / C }
}

/** C itself up to 16 bits, else the largest divisor of C not above 16 (18 → 9, 56 → 14: the reference's G for Lo and Hi). */
export function defaultGroupBits(bits: number): number {
  let g = Math.min(bits, 16)
  while (bits % g !== 0) g--
  return g
}

export interface TokenEntropy {
  readonly groupBits: number // G
  readonly subTokens: number // F = C / G per token
  readonly perSubToken: Float64Array // [L, F] entropy in bits of the empirical code distribution over the n images
  readonly mean: number
  readonly maxBits: number // min(G, log2 n): the most an n-image sample can show
}

const entropyBits = (counts: Iterable<number>, n: number): number =>
  [...counts].reduce((h, c) => h - (c / n) * Math.log2(c / n), 0)

function checkGroupBits(bits: number, groupBits: number): void {
  if (bits % groupBits !== 0 || groupBits > 52) throw new Error(`group size ${groupBits} must divide ${bits} bits and be at most 52`)
}

/** Index Σ_g [bit g·F + f > 0]·2^g of sub-token f of the token whose bits start at `at`. */
function subTokenIndex(data: Codes['data'], at: number, groupBits: number, F: number, f: number): number {
  let index = 0
  for (let g = 0; g < groupBits; g++) if (data[at + g * F + f] > 0) index += 2 ** g
  return index
}

export function tokenEntropy(codes: Codes, groupBits = defaultGroupBits(codes.bits)): TokenEntropy {
  const { data, n, tokens: L, bits: C } = codes
  checkGroupBits(C, groupBits)
  const F = C / groupBits
  const perSubToken = new Float64Array(L * F)
  for (let t = 0; t < L; t++) {
    for (let f = 0; f < F; f++) {
      const counts = new Map<number, number>()
      for (let b = 0; b < n; b++) {
        const index = subTokenIndex(data, (b * L + t) * C, groupBits, F, f)
        counts.set(index, (counts.get(index) ?? 0) + 1)
      }
      perSubToken[t * F + f] = entropyBits(counts.values(), n)
    }
  }
  const mean = perSubToken.reduce((a, v) => a + v, 0) / perSubToken.length
  return { groupBits, subTokens: F, perSubToken, mean, maxBits: Math.min(groupBits, Math.log2(n)) }
}

/** Packs the `count` bits starting at `at` into a string key (base64 of the bit bytes). */
function bitKey(data: Codes['data'], at: number, count: number): string {
  const bytes = new Uint8Array(Math.ceil(count / 8))
  for (let i = 0; i < count; i++) if (data[at + i] > 0) bytes[i >> 3] |= 1 << (i & 7)
  return Buffer.from(bytes).toString('base64')
}

export interface DistinctCodes {
  readonly groupBits: number // G: pass C for whole tokens (up to 52 bits)
  readonly subTokenCodes: number // distinct G-bit values over all n·L·F sub-tokens (at most 2^G)
  readonly imageCodes: number // distinct whole L×C codes over the n images
}

export function distinctCodes(codes: Codes, groupBits = defaultGroupBits(codes.bits)): DistinctCodes {
  const { data, n, tokens: L, bits: C } = codes
  checkGroupBits(C, groupBits)
  const F = C / groupBits
  const subTokenSet = new Set<number>()
  const imageSet = new Set<string>()
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < L; t++) for (let f = 0; f < F; f++) subTokenSet.add(subTokenIndex(data, (b * L + t) * C, groupBits, F, f))
    imageSet.add(bitKey(data, b * L * C, L * C))
  }
  return { groupBits, subTokenCodes: subTokenSet.size, imageCodes: imageSet.size }
}
