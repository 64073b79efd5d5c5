// The inspector's token views on tiny-a (16 tokens × 6 bits, 32 px): each influence map equals a direct decode with
// that token replaced (same noise (seed, 0)), the owner map is the per-pixel argmax, the atlas tiles them; token mix
// of all / none / some tokens decodes as A / B / the mixed code, from one noise.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { DecodeRequest } from '../../../src/shared/payloads/inspect'
import type { InspectContext } from '../../../src/trainer/inspect/context'
import { codeOf } from '../../../src/trainer/inspect/decode'
import { rgbPixels } from '../../../src/trainer/inspect/pixel-stats'
import { samplingConfig } from '../../../src/trainer/inspect/sampling'
import { mixTokens, tokenMap } from '../../../src/trainer/inspect/token-map'
import { changeMap, decodeWithNoise, replaceToken } from '../../../src/trainer/research/token-influence'
import { PHOTOS } from '../../fixtures/photos'
import { hooks, openFixture } from './fixture'

const secondPhoto = join(PHOTOS, 'val-64', 'val64_0003.png')

describe('token map and token mix in the inspector', () => {
  let ctx: InspectContext
  let req: DecodeRequest
  let otherId: string

  beforeAll(async () => {
    ;({ ctx, req } = await openFixture('tfjs'))
    req = { ...req, sampling: { steps: 2, rho: 1, cfg: 1, interval: null } }
    otherId = (await ctx.images.openPath(secondPhoto)).imageId
  })

  /** Decodes codes [B, L, C] directly, from the noise (seed, 0). */
  const decode = (codes: Float32Array) => decodeWithNoise(ctx.models.get(req.modelId).model, codes, req.seed, samplingConfig(req.sampling))

  it('maps each token: |Δ| of a direct decode with its bits replaced; owner = argmax; atlas of ⌈√L⌉ columns', async () => {
    const job = hooks()
    const report = await tokenMap(ctx, { ...req, replacement: 'other', otherImageId: otherId }, job)
    const { L, C, S } = report
    expect([L, C, S, report.maps.length, report.tokens.length]).toEqual([16, 6, 32, 16 * 32 * 32, 16])
    expect(job.calls.at(-1)).toEqual([16, 16])
    const opened = ctx.models.get(req.modelId)
    const [a, b] = [await codeOf(opened, ctx.images, req.imageId), await codeOf(opened, ctx.images, otherId)]
    const base = await decode(a)
    expect(report.base).toEqual(rgbPixels(base, S))
    for (const t of [0, 9]) {
      const direct = changeMap(await decode(replaceToken(a, C, t, 'other', b)), base, S)
      const map = report.maps.subarray(t * S * S, (t + 1) * S * S)
      expect(Math.max(...direct.map((v, i) => Math.abs(v - map[i])))).toBeLessThan(1e-4)
      expect(report.tokens[t].meanAbs).toBeCloseTo(direct.reduce((s, v) => s + v, 0) / direct.length, 5)
    }
    for (const i of [0, 100, 1023]) {
      const column = Array.from({ length: L }, (_, t) => report.maps[t * S * S + i])
      expect(report.owner[i]).toBe(column.indexOf(Math.max(...column)))
    }
    expect([report.atlas.cols, report.atlas.h, report.atlas.w]).toEqual([4, 4 * 33 - 1, 4 * 33 - 1])
  })

  it('refuses "other" without a second image', async () => {
    await expect(tokenMap(ctx, { ...req, replacement: 'other' }, hooks())).rejects.toThrow('needs a second image')
  })

  it('mixes tokens: all of A is A, none is B, the first k are mixCodes decoded from the same noise', async () => {
    const all = await mixTokens(ctx, { ...req, otherImageId: otherId, fromA: Array.from({ length: 16 }, (_, t) => t) }, hooks())
    expect(all.mixed).toEqual(all.a)
    const none = await mixTokens(ctx, { ...req, otherImageId: otherId, fromA: [] }, hooks())
    expect(none.mixed).toEqual(none.b)
    const some = await mixTokens(ctx, { ...req, otherImageId: otherId, fromA: [0, 1, 2, 3] }, hooks())
    const opened = ctx.models.get(req.modelId)
    const [a, b] = [await codeOf(opened, ctx.images, req.imageId), await codeOf(opened, ctx.images, otherId)]
    const mixed = b.slice()
    mixed.set(a.subarray(0, 4 * 6), 0) // tokens 0..3 from A, written out by hand
    expect(some.mixed).toEqual(rgbPixels(await decode(mixed), 32))
    expect(some.mixed).not.toEqual(some.a)
    await expect(mixTokens(ctx, { ...req, otherImageId: otherId, fromA: [16] }, hooks())).rejects.toThrow('token 16 is outside the model\'s 16 tokens')
  })
})
