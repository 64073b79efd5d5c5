// Seeded PRNG for data order and crops: xoshiro128** (Blackman & Vigna), seeded through splitmix32.
// The 128-bit state can be saved and restored, so a resumed run continues the same stream.

export type RngState = readonly [number, number, number, number] // four uint32 words, never all zero

function splitmix32(h: number): number {
  let t = (h + 0x9e3779b9) | 0
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad)
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97)
  return (t ^ (t >>> 15)) >>> 0
}

export class Rng {
  private constructor(private s: Uint32Array) {}

  /** A stream keyed by any number of integers, e.g. `fromSeed(seed, epoch)`; keys up to 2^53 are used whole. */
  static fromSeed(...keys: number[]): Rng {
    let h = 0x6a09e667
    for (const key of keys) {
      if (!Number.isSafeInteger(key)) throw new Error(`rng key must be a safe integer, got ${key}`)
      h = splitmix32(h ^ (key >>> 0))
      h = splitmix32(h ^ Math.floor(key / 2 ** 32))
    }
    const s = new Uint32Array(4)
    for (let i = 0; i < 4; i++) s[i] = h = splitmix32(h + i)
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1
    return new Rng(s)
  }

  static fromState(state: RngState): Rng {
    const s = Uint32Array.from(state)
    if (s.length !== 4 || (s[0] | s[1] | s[2] | s[3]) === 0) throw new Error('rng state must be 4 words, not all zero')
    return new Rng(s)
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]]
  }

  /** Next uint32 (xoshiro128**). */
  nextU32(): number {
    const s = this.s
    const x = Math.imul(s[1], 5)
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << 11) | (s[3] >>> 21)
    return result
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextU32() / 2 ** 32
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling), for 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new Error(`nextInt needs 1 ≤ n ≤ 2^32, got ${n}`)
    const limit = 2 ** 32 - (2 ** 32 % n) // largest multiple of n that fits
    let r = this.nextU32()
    while (r >= limit) r = this.nextU32()
    return r % n
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1)
    const t = p[i]
    p[i] = p[j]
    p[j] = t
  }
  return p
}
