// Sensitivity atlas, on both inference paths: one ΔPSNR per (token, bit) of the L × C code, or of an evenly spread
// subset.
import { beforeAll, describe, expect, it } from 'vitest'
import type { DecodeRequest } from '../../../src/shared/payloads/inspect'
import { atlasBits, bitAtlas } from '../../../src/trainer/inspect/bit-atlas'
import { flipBits } from '../../../src/trainer/inspect/bit-flips'
import type { InspectContext } from '../../../src/trainer/inspect/context'
import { decodePaths, hooks, openFixture } from './fixture'

describe('atlasBits', () => {
  it('lists every bit, or a spread subset without repeats', () => {
    expect(atlasBits(2, 3)).toEqual([0, 1, 2, 3, 4, 5])
    expect(atlasBits(16, 6, 4)).toEqual([0 * 6 + 0, 4 * 6 + 1, 8 * 6 + 2, 12 * 6 + 3])
    expect(atlasBits(1, 3, 10)).toEqual([0, 1, 2])
  })

  it('covers every bit position and spreads the tokens (64 tokens × 12 bits, 128 flips: not only bits 0 and 6)', () => {
    const bits = atlasBits(64, 12, 128)
    expect(new Set(bits).size).toBe(128)
    const perBit = Array.from({ length: 12 }, (_, c) => bits.filter((i) => i % 12 === c).length)
    expect(Math.min(...perBit)).toBeGreaterThanOrEqual(10)
    const tokens = new Set(bits.map((i) => Math.floor(i / 12)))
    expect(tokens.size).toBe(64)
    expect(atlasBits(4, 3, 11)).toHaveLength(11) // more than one pass still ends with distinct cells
  })
})

describe.each(decodePaths)('on %s', (path) => {
  let ctx: InspectContext
  let req: DecodeRequest

  beforeAll(async () => {
    ;({ ctx, req } = await openFixture(path))
    req = { ...req, sampling: { steps: 1, rho: 1, cfg: 1, interval: null } } // one decoder call per decode: 96 flips stay fast
  })

  describe('bitAtlas', () => {
    it('has L·C entries, each the ΔPSNR of flipping that bit alone', async () => {
      const job = hooks()
      const atlas = await bitAtlas(ctx, req, job)
      expect([atlas.L, atlas.C, atlas.deltaPsnr.length, atlas.evaluated, atlas.path]).toEqual([16, 6, 96, 96, path])
      expect(atlas.deltaPsnr.every(Number.isFinite)).toBe(true)
      expect(job.calls.at(-1)).toEqual([96, 96])
      const one = await flipBits(ctx, { ...req, flips: [{ token: 5, bit: 1 }] }, hooks())
      expect(atlas.deltaPsnr[5 * 6 + 1]).toBeCloseTo(one.deltaPsnr, 3)
    })

    it('leaves bits outside a subset as NaN', async () => {
      const atlas = await bitAtlas(ctx, { ...req, subset: 3 }, hooks())
      expect(atlas.evaluated).toBe(3)
      expect([...atlas.deltaPsnr.keys()].filter((i) => !Number.isNaN(atlas.deltaPsnr[i]))).toEqual([0 * 6 + 0, 5 * 6 + 1, 10 * 6 + 2]) // atlasBits(16, 6, 3)
    })
  })

  describe('bitAtlas cancellation', () => {
    it('takes a cancel that arrives as a separate event (macrotask), as cancelJob does', async () => {
      const controller = new AbortController()
      const done: number[] = []
      setTimeout(() => controller.abort(), 0) // like cancelJob arriving over IPC
      const run = bitAtlas(ctx, req, { signal: controller.signal, progress: (n) => void done.push(n) })
      await expect(run).rejects.toThrow()
      expect(done.at(-1) ?? 0).toBeLessThan(96)
    })
  })
})
