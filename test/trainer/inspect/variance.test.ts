// Sample variance, on both inference paths: samples are reproducible per seed, differ across seeds, and identical
// samples have zero std.
import { beforeAll, describe, expect, it } from 'vitest'
import type { DecodeRequest, RgbPixels } from '../../../src/shared/payloads/inspect'
import type { InspectContext } from '../../../src/trainer/inspect/context'
import { sampleVariance, varianceReport, varianceSamples } from '../../../src/trainer/inspect/variance'
import { codeOf, decodeSameNoise, noiseOfImage } from '../../../src/trainer/inspect/decode'
import { decodePaths, hooks, openFixture } from './fixture'
import { psnrOf, stdPerPixel } from './recompute'

describe.each(decodePaths)('on %s', (path) => {
  let ctx: InspectContext
  let req: DecodeRequest

  beforeAll(async () => ({ ctx, req } = await openFixture(path)))

  describe('sample variance', () => {
    it('reports each sample as it arrives with its PSNR; the same seed gives identical samples, other seeds do not', async () => {
      const seen: [number, number][] = []
      const psnrs: number[] = []
      const job = hooks()
      const a = await varianceSamples(ctx, { ...req, k: 3 }, job, (index, seed, _image, psnr) => (seen.push([index, seed]), psnrs.push(psnr)))
      const original = ctx.images.modelInput(req.imageId, 32)
      for (let i = 0; i < 3; i++) expect(psnrs[i]).toBeCloseTo(psnrOf(a[i], original), 6) // the definition, recomputed
      const b = await varianceSamples(ctx, { ...req, k: 3 }, hooks(), () => {})
      expect(seen).toEqual([[0, 7], [1, 8], [2, 9]])
      expect(job.calls).toEqual([[1, 3], [2, 3], [3, 3]])
      for (let i = 0; i < 3; i++) expect(b[i]).toEqual(a[i])
      expect(a[1]).not.toEqual(a[0])
      expect(a[2]).not.toEqual(a[1])
    })

    it('the std map of identical samples is zero; of different samples positive', async () => {
      const [x] = await varianceSamples(ctx, { ...req, k: 2 }, hooks(), () => {})
      const same = varianceReport([x, x, x], 32, path)
      expect(same.stdMax).toBe(0)
      expect(same.std.every((v) => v === 0)).toBe(true)
      const report = await sampleVariance(ctx, { ...req, k: 4 }, hooks(), () => {})
      expect([report.k, report.path]).toEqual([4, path])
      expect(report.std.length).toBe(32 * 32)
      expect(report.stdMax).toBeGreaterThan(0)
      expect(report.stdMap.pixels.length).toBe(32 * 32 * 3)
    })

    it('equals K independent decodes with seeds seed…seed+K−1, and their per-pixel std recomputed', async () => {
      const report = await sampleVariance(ctx, { ...req, k: 3 }, hooks(), () => {})
      const opened = ctx.models.get(req.modelId)
      const code = await codeOf(opened, ctx.images, req.imageId)
      const samples: Float32Array[] = []
      for (const seed of [7, 8, 9]) samples.push((await decodeSameNoise(opened, code, noiseOfImage(opened, ctx.images, req.imageId, seed), req)).images)
      const std = stdPerPixel(samples, 32 * 32)
      expect(Array.from(report.std).every((v, i) => Math.abs(v - std[i]) < 1e-5)).toBe(true)
      expect(report.stdMax).toBeCloseTo(Math.max(...std), 5)
      const hw = 32 * 32
      const meanLevel = (i: number) => Math.round((samples.reduce((a, x) => a + Math.min(1, Math.max(-1, x[(i % 3) * hw + Math.floor(i / 3)])), 0) / 3 + 1) * 127.5)
      expect(Array.from(report.mean.pixels).every((p, i) => Math.abs(p - meanLevel(i)) <= 1)).toBe(true)
    })

    it('stops when cancelled', async () => {
      const controller = new AbortController()
      const images: RgbPixels[] = []
      const run = varianceSamples(ctx, { ...req, k: 8 }, { signal: controller.signal, progress: () => {} }, (_i, _s, image) => {
        images.push(image)
        controller.abort()
      })
      await expect(run).rejects.toThrow()
      expect(images.length).toBe(1)
    })
  })
})
