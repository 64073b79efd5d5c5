// Quality bisection against brute force on synthetic size curves (monotone and with small dips), floor/ceiling flags, BPP formula.
import { describe, expect, it } from 'vitest'
import { bitsPerPixel, searchQuality } from '../../../src/trainer/baselines/bitrate-search'

const PIXELS = 64 * 64

/** A seeded size curve over qualities 1..100: increasing steps of 1..40 bytes from `start`. */
function monotoneCurve(seed: number, start = 300): number[] {
  let s = seed >>> 0
  const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  const sizes = [start]
  for (let q = 2; q <= 100; q++) sizes.push(sizes[q - 2] + 1 + Math.floor(next() * 40))
  return sizes
}

function bruteForceBest(sizes: number[], targetBpp: number): number {
  return Math.min(...sizes.map((b) => Math.abs(bitsPerPixel(b, PIXELS) - targetBpp)))
}

async function search(sizes: number[], targetBpp: number) {
  const calls: number[] = []
  const result = await searchQuality(async (q) => (calls.push(q), sizes[q - 1]), targetBpp, PIXELS)
  return { result, calls }
}

describe('bitsPerPixel', () => {
  it('is file bytes × 8 / pixels', () => {
    expect(bitsPerPixel(576, 256 * 256)).toBeCloseTo(0.0703125, 12) // FlowMo-Lo's 4608 bits at 256²
    expect(bitsPerPixel(0, 10)).toBe(0)
    expect(() => bitsPerPixel(10, 0)).toThrow(/positive pixel count/)
  })
})

describe('searchQuality', () => {
  it('finds the brute-force closest size on monotone curves, with few encodes', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sizes = monotoneCurve(seed)
      for (const bytes of [310, 512, 1000, 1500, 2100]) {
        const target = bitsPerPixel(bytes, PIXELS) + 0.0007 * seed // between sizes, not on one
        const { result, calls } = await search(sizes, target)
        expect(Math.abs(result.bpp - target)).toBe(bruteForceBest(sizes, target))
        expect(result.bytes).toBe(sizes[result.quality - 1])
        expect(new Set(calls).size).toBe(calls.length) // each quality encoded once
        expect(calls.length).toBeLessThanOrEqual(18)
        expect(result.monotone).toBe(true)
      }
    }
  })

  it('brackets the target with the nearest sizes on each side, the chosen one among them', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sizes = monotoneCurve(seed)
      const target = bitsPerPixel(1000, PIXELS) + 0.0013 * seed
      const { result } = await search(sizes, target)
      const bpps = sizes.map((b) => bitsPerPixel(b, PIXELS))
      expect(result.bracket).toEqual([Math.max(...bpps.filter((b) => b <= target)), Math.min(...bpps.filter((b) => b >= target))])
      expect(result.bracket).toContain(result.bpp)
    }
    const floor = await search(monotoneCurve(7, 900), 0.05)
    expect(floor.result.bracket).toEqual([null, bitsPerPixel(900, PIXELS)])
  })

  it('still finds the optimum when sizes dip by one quality step (real encoders do)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sizes = monotoneCurve(seed)
      for (let q = 5 + seed; q < 99; q += 7) [sizes[q], sizes[q + 1]] = [sizes[q + 1], sizes[q]] // local inversions
      for (let t = 0.1; t < 3; t += 0.17) {
        const { result } = await search(sizes, t)
        expect(Math.abs(result.bpp - t)).toBe(bruteForceBest(sizes, t))
      }
    }
  })

  it('flags a target below the floor and returns the smallest file', async () => {
    const sizes = monotoneCurve(7, 900)
    const { result } = await search(sizes, 0.05)
    expect(result.belowFloor).toBe(true)
    expect(result.aboveCeiling).toBe(false)
    expect(result.quality).toBe(1)
    expect(result.bpp).toBe(bitsPerPixel(900, PIXELS))
  })

  it('flags a target above the ceiling and returns the largest file', async () => {
    const sizes = monotoneCurve(3)
    const { result } = await search(sizes, bitsPerPixel(sizes[99] + 500, PIXELS))
    expect(result.aboveCeiling).toBe(true)
    expect(result.belowFloor).toBe(false)
    expect(result.quality).toBe(100)
  })

  it('reports a non-monotone curve among its probes', async () => {
    const sizes = monotoneCurve(5)
    const q = 40
    sizes[q - 1] = sizes[q - 3] - 1 // quality 40 smaller than 38
    const { result } = await search(sizes, bitsPerPixel(sizes[q - 1], PIXELS))
    expect(result.probes.map((p) => p.quality)).toContain(q - 2)
    expect(result.monotone).toBe(false)
  })

  it('rejects a bad range or target', async () => {
    await expect(searchQuality(async () => 1, 0.1, PIXELS, { min: 10, max: 5 })).rejects.toThrow(/min ≤ max/)
    await expect(searchQuality(async () => 1, 0, PIXELS)).rejects.toThrow(/must be positive/)
  })
})
