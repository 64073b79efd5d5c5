// Code balance: share of +1 per (token, bit) over the images, from the same codes the other views decode.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { codeBalance } from '../../../src/trainer/inspect/code-balance'
import { codeOf } from '../../../src/trainer/inspect/decode'
import { hooks, openFixture } from './fixture'

const grayPath = join(import.meta.dirname, '..', '..', 'fixtures', 'images', 'pipeline', 'gray.png')

describe('codeBalance', () => {
  it('is the mean of (bit = +1) over the images, per (token, bit)', async () => {
    const { ctx, req } = await openFixture()
    const { imageId: gray } = await ctx.images.openPath(grayPath)
    const opened = ctx.models.get(req.modelId)
    const [a, b] = [await codeOf(opened, ctx.images, req.imageId), await codeOf(opened, ctx.images, gray)]
    const one = await codeBalance(ctx, { modelId: req.modelId, imageIds: [req.imageId] }, hooks())
    expect([one.L, one.C, one.n]).toEqual([16, 6, 1])
    expect([...one.plusFraction]).toEqual([...a].map((bit) => (bit > 0 ? 1 : 0)))
    const two = await codeBalance(ctx, { modelId: req.modelId, imageIds: [req.imageId, gray] }, hooks())
    expect([...two.plusFraction]).toEqual([...a].map((bit, i) => ((bit > 0 ? 1 : 0) + (b[i] > 0 ? 1 : 0)) / 2))
  })
})
