// Bit flips, on both inference paths: the flipped code differs in exactly the chosen elements; base and flipped
// decode from the same noise; both paths agree.
import { beforeAll, describe, expect, it } from 'vitest'
import { flipBits } from '../../../src/trainer/inspect/bit-flips'
import type { InspectContext } from '../../../src/trainer/inspect/context'
import { codeOf, decodeSameNoise, flipCode, noiseOfImage } from '../../../src/trainer/inspect/decode'
import type { DecodeRequest } from '../../../src/shared/payloads/inspect'
import { decodePaths, hooks, openFixture } from './fixture'
import { meanAbsDiff, psnrOf } from './recompute'

describe('flipCode', () => {
  it('negates exactly the listed elements, and twice restores the code', () => {
    const code = Float32Array.from([1, -1, 1, 1, -1, -1])
    const flipped = flipCode(code, 3, [{ token: 1, bit: 2 }])
    expect(Array.from(flipped)).toEqual([1, -1, 1, 1, -1, 1])
    expect(code[5]).toBe(-1) // input untouched
    expect(flipCode(flipped, 3, [{ token: 1, bit: 2 }])).toEqual(code)
  })
})

describe.each(decodePaths)('flipBits on %s', (path) => {
  let ctx: InspectContext
  let req: DecodeRequest

  beforeAll(async () => ({ ctx, req } = await openFixture(path)))

  it('changes exactly the flipped element of the code and the decoded image', async () => {
    const flips = [{ token: 3, bit: 4 }]
    const report = await flipBits(ctx, { ...req, flips }, hooks())
    const code = await codeOf(ctx.models.get(req.modelId), ctx.images, req.imageId)
    const changed = [...report.code.keys()].filter((i) => report.code[i] !== code[i])
    expect(changed).toEqual([3 * 6 + 4])
    expect(report.path).toBe(path)
    expect(report.meanAbsDiff).toBeGreaterThan(0)
    expect(report.diffMap.pixels.length).toBe(32 * 32 * 3)
    expect(Number.isFinite(report.deltaPsnr)).toBe(true)
  })

  it('matches base and flipped codes decoded one at a time: images, mean |Δ| and ΔPSNR recomputed', async () => {
    const flips = [{ token: 5, bit: 1 }, { token: 9, bit: 3 }]
    const report = await flipBits(ctx, { ...req, flips }, hooks())
    const opened = ctx.models.get(req.modelId)
    const code = await codeOf(opened, ctx.images, req.imageId)
    const noise = noiseOfImage(opened, ctx.images, req.imageId, req.seed)
    const decode = async (c: Float32Array) => (await decodeSameNoise(opened, c, noise, req)).images
    const [base, flipped] = [await decode(code), await decode(flipCode(code, 6, flips))]
    const rgbLevels = (chw: Float32Array) => Array.from({ length: 32 * 32 * 3 }, (_, i) => chw[(i % 3) * 32 * 32 + Math.floor(i / 3)])
    const near = (p: Uint8Array, chw: Float32Array) => rgbLevels(chw).every((v, i) => Math.abs(Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5) - p[i]) <= 1)
    expect(near(report.base.pixels, base)).toBe(true)
    expect(near(report.flipped.pixels, flipped)).toBe(true)
    expect(report.meanAbsDiff).toBeCloseTo(meanAbsDiff(flipped, base), 4)
    expect(report.meanAbsDiff).toBeGreaterThan(0)
    const original = ctx.images.modelInput(req.imageId, 32)
    expect(report.deltaPsnr).toBeCloseTo(psnrOf(flipped, original) - psnrOf(base, original), 2)
  })

  it('with no flips decodes the same image twice from the same noise: zero difference', async () => {
    const report = await flipBits(ctx, { ...req, flips: [] }, hooks())
    expect(report.flipped.pixels).toEqual(report.base.pixels)
    expect(report.meanAbsDiff).toBe(0)
    expect(report.deltaPsnr).toBe(0)
  })

  it('refuses a bit outside the model’s L × C code', async () => {
    await expect(flipBits(ctx, { ...req, flips: [{ token: 16, bit: 0 }] }, hooks())).rejects.toMatchObject({ code: 'invalid-request' })
    await expect(flipBits(ctx, { ...req, flips: [{ token: 0, bit: 6 }] }, hooks())).rejects.toThrow(/outside the 16 × 6 code/)
  })
})

describe('flipBits on both paths', () => {
  it('agrees: the same code, and the same decodes up to one 8-bit level', async () => {
    const [tf, ort] = [await openFixture('tfjs'), await openFixture('onnxruntime')]
    const flips = [{ token: 7, bit: 2 }, { token: 11, bit: 5 }]
    const [a, b] = [await flipBits(tf.ctx, { ...tf.req, flips }, hooks()), await flipBits(ort.ctx, { ...ort.req, flips }, hooks())]
    expect([a.path, b.path]).toEqual(['tfjs', 'onnxruntime'])
    expect(b.code).toEqual(a.code)
    for (const key of ['base', 'flipped'] as const) {
      const [p, q] = [a[key].pixels, b[key].pixels]
      expect(p.every((v, i) => Math.abs(v - q[i]) <= 1)).toBe(true)
    }
  })
})
