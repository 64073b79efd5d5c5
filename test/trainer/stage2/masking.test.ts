// Arccos masking (TiTok masking_input_tokens): exact counts round(N·acos(u)/(π/2)) ≥ 1, the schedule's ends, the share of
// masked tokens over many draws (E[acos(u)/(π/2)] = 2/π), and the generator input with masked sub-tokens' bits at 0.
import { describe, expect, it } from 'vitest'
import { permutation, Rng } from '../../../src/trainer/data/rng'
import { arccosRatio, drawMasks, maskedBits, maskedCount } from '../../../src/trainer/stage2/masking'
import { tokenLayout } from '../../../src/trainer/stage2/tokens'

describe('arccos masking', () => {
  it('masks round(N·acos(u)/(π/2)) tokens, at least one', () => {
    expect(maskedCount(0, 64)).toBe(64) // acos(0) = π/2: everything
    expect(maskedCount(1, 64)).toBe(1) // acos(1) = 0: clamped to 1e-6, then at least 1
    expect(maskedCount(0.5, 64)).toBe(Math.round(64 * (Math.acos(0.5) / (Math.PI / 2)))) // 64·(2/3) = 42.67 → 43
    expect(maskedCount(0.5, 64)).toBe(43)
    expect(maskedCount(Math.cos(Math.PI / 4), 10)).toBe(5) // acos = π/4: half
    expect([arccosRatio(0), arccosRatio(1)]).toEqual([1, 0])
  })

  it('draws exactly maskedCount tokens per row; the mean share over draws is 2/π', () => {
    const n = 50
    const masks = drawMasks(400, n, Rng.fromSeed(3, 0))
    const replay = Rng.fromSeed(3, 0)
    let total = 0
    for (let b = 0; b < 400; b++) {
      const count = masks.subarray(b * n, (b + 1) * n).reduce((a, v) => a + v, 0)
      const expected = maskedCount(replay.nextFloat(), n)
      expect(count).toBe(expected)
      const chosen = Array.from(permutation(n, replay).subarray(0, expected)).sort((x, y) => x - y)
      expect(chosen).toEqual([...masks.subarray(b * n, (b + 1) * n).keys()].filter((i) => masks[b * n + i] === 1))
      total += count
    }
    expect(total / (400 * n)).toBeGreaterThan(2 / Math.PI - 0.04)
    expect(total / (400 * n)).toBeLessThan(2 / Math.PI + 0.04)
  })

  it('zeroes the channels of masked sub-tokens only (interleaved groups)', () => {
    const layout = tokenLayout(1, 4, 2) // C = 4 ≤ 12: one sub-token of 4 bits
    expect(Array.from(maskedBits(Int32Array.from([5]), Uint8Array.from([0]), 1, layout))).toEqual([1, -1, 1, -1])
    expect(Array.from(maskedBits(Int32Array.from([5]), Uint8Array.from([1]), 1, layout))).toEqual([0, 0, 0, 0])
    const wide = tokenLayout(1, 18, 9) // two sub-tokens: channels 0, 2, … and 1, 3, …
    const bits = maskedBits(Int32Array.from([511, 0]), Uint8Array.from([0, 1]), 1, wide)
    expect(Array.from(bits)).toEqual(Array.from({ length: 18 }, (_, c) => (c % 2 === 0 ? 1 : 0)))
  })
})
