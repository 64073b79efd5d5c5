// Reconstruction report, on both inference paths: images at the model size, a ±1 code, PSNR as `flowmo eval` scores
// the decode (the reference's uint8 truncation of both images),
// a reproducible decode, and the path that decoded it.
import { describe, expect, it } from 'vitest'
import { codeOf, noiseOfImage } from '../../../src/trainer/inspect/decode'
import { reconstructImage } from '../../../src/trainer/inspect/reconstruct'
import { samplingConfig } from '../../../src/trainer/inspect/sampling'
import { decodePaths, hooks, openFixture } from './fixture'

describe.each(decodePaths)('reconstructImage on %s', (path) => {
  it('reports original, reconstruction, error map, metrics and the code', async () => {
    const { ctx, req } = await openFixture(path)
    const job = hooks()
    const r = await reconstructImage(ctx, req, job)
    for (const image of [r.original, r.reconstruction, r.errorMap]) expect([image.h, image.w, image.pixels.length]).toEqual([32, 32, 32 * 32 * 3])
    expect([r.L, r.C, r.code.length]).toEqual([16, 6, 96])
    expect(r.code.every((b) => b === 1 || b === -1)).toBe(true)
    const opened = ctx.models.get(req.modelId)
    const z0 = noiseOfImage(opened, ctx.images, req.imageId, req.seed)
    const { images } = await opened.model.decode(await codeOf(opened, ctx.images, req.imageId), z0, 1, { sampling: samplingConfig(req.sampling) })
    const original = ctx.images.modelInput(req.imageId, 32)
    const f32 = Math.fround
    const uint8 = (v: number) => Math.floor(f32(f32(f32(Math.min(1, Math.max(-1, v)) + 1) / 2) * 255)) // torch fp32: ((x + 1) / 2 * 255).to(uint8)
    let se = 0
    for (let i = 0; i < images.length; i++) se += ((uint8(images[i]) - uint8(original[i])) / 255) ** 2
    expect(r.psnr).toBeCloseTo(10 * Math.log10(images.length / se), 6)
    expect(r.ssim).toBeLessThan(1)
    expect(r.errorMax).toBeGreaterThan(0)
    expect(r.nfe).toBe(4) // 3 steps, guidance on one of them
    expect(r.path).toBe(path)
    expect(job.calls).toEqual([[1, 3], [2, 3], [3, 3]])
    expect(r.lpips === null ? r.lpipsNote : r.lpips).toEqual(r.lpips === null ? expect.stringMatching(/^LPIPS: /) : expect.any(Number))
    const again = await reconstructImage(ctx, req, hooks())
    expect(again.reconstruction.pixels).toEqual(r.reconstruction.pixels)
  })

  it('stops within a decode when cancelled from another event, as cancelJob is', async () => {
    const { ctx, req } = await openFixture(path)
    const controller = new AbortController()
    const steps: number[] = []
    const progress = (done: number) => {
      steps.push(done)
      if (done === 2) setImmediate(() => controller.abort()) // as a message arriving between two decoder calls
    }
    const run = reconstructImage(ctx, { ...req, sampling: { ...req.sampling, steps: 50 } }, { signal: controller.signal, progress })
    await expect(run).rejects.toThrow()
    expect(steps.at(-1)).toBeLessThan(5)
  })
})
