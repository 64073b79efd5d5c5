// Trajectory, on both inference paths: steps + 1 states from the noise to the decode, the x̂₀ each predicts, the time
// grid, and where guidance applied.
import { beforeAll, describe, expect, it } from 'vitest'
import type { DecodeRequest } from '../../../src/shared/payloads/inspect'
import { fromModelOutput } from '../../../src/trainer/data/images'
import type { InspectContext } from '../../../src/trainer/inspect/context'
import { codeOf, decodeSameNoise, noiseOfImage } from '../../../src/trainer/inspect/decode'
import { samplingConfig } from '../../../src/trainer/inspect/sampling'
import { trajectory } from '../../../src/trainer/inspect/trajectory'
import { decodePaths, hooks, openFixture } from './fixture'

describe.each(decodePaths)('trajectory on %s', (path) => {
  let ctx: InspectContext
  let req: DecodeRequest

  beforeAll(async () => ({ ctx, req } = await openFixture(path)))

  it('has steps + 1 states, starts at the noise and ends at the reconstruction', async () => {
    const sampling = { steps: 4, rho: 4, cfg: 1.5, interval: [0.17, 1.02] as const }
    const report = await trajectory(ctx, { ...req, sampling }, hooks())
    expect([report.states.length, report.path]).toEqual([5, path])
    expect(report.ts.length).toBe(5)
    expect(report.dts.length).toBe(4)
    const opened = ctx.models.get(req.modelId)
    const z0 = noiseOfImage(opened, ctx.images, req.imageId, req.seed)
    expect(report.states[0].pixels).toEqual(fromModelOutput(z0, 32, 32))
    const code = await codeOf(opened, ctx.images, req.imageId)
    const { images } = await decodeSameNoise(opened, code, z0, { sampling })
    expect(report.states[4].pixels).toEqual(fromModelOutput(images, 32, 32))
    // x̂₀ beside every state: the sampler's own (inference-model.test.ts recomputes it), the decode itself at t = 0
    const res = await opened.model.sample(code, z0, 1, { sampling: samplingConfig(sampling), keepTrajectory: true })
    expect(report.predicted.length).toBe(5)
    res.predicted.forEach((x0, i) => expect(report.predicted[i].pixels).toEqual(fromModelOutput(x0.data.map((v) => Math.min(1, Math.max(-1, v))), 32, 32)))
    expect(report.predicted[4].pixels).toEqual(report.states[4].pixels)
    expect(report.predicted[0].pixels).not.toEqual(report.states[0].pixels)
    // the same image as the model's own decode, which `flowmo reconstruct` uses
    const cli = await opened.model.decode(code, z0, 1, { sampling: samplingConfig(sampling) })
    expect(images).toEqual(cli.images)
    // guidance exactly where t lies inside the σ interval mapped to t
    const [lo, hi] = report.intervalT!
    expect(lo).toBeCloseTo(0.17 / 1.17, 12)
    expect(report.cfgApplied).toEqual([...report.ts.subarray(0, 4)].map((t) => lo <= t && t <= hi))
    expect(report.cfgApplied).toContain(true)
    expect(report.cfgApplied).toContain(false)
  })

  it('has no guidance interval when cfg is 1', async () => {
    const report = await trajectory(ctx, { ...req, sampling: { ...req.sampling, cfg: 1 } }, hooks())
    expect(report.intervalT).toBeNull()
    expect(report.cfgApplied.every((g) => !g)).toBe(true)
  })
})
