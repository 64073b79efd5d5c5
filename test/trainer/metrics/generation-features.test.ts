// metrics/generation-features.ts: on a tiny-width InceptionV3 file, pool_3 equals the numpy reference (the same rows FID uses),
// IS probabilities are softmax(pool_3 · Wᵀ) without the bias, and the sFID tap sits at Mixed_6d (after Mixed_6a's stride);
// the proxy is labelled proxy.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openInceptionGenerationFeatures, openProxyGenerationFeatures } from '../../../src/trainer/metrics/generation-features'
import { Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, paramValues, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { maxRelDiff, useBackend } from '../nets/backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-genfeat-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('openInceptionGenerationFeatures', () => {
  it('gives pool_3 as the reference, IS probabilities from the fc weight without bias, and the mixed_6/conv[:7] tap', async () => {
    const c = ref.inception
    const p = Params.root()
    const net = new FIDInceptionV3(p, c.widthDivisor, c.inputPx)
    p.sub('fc').declare('weight', [1008, net.featureDim])
    p.sub('fc').declare('bias', [1008])
    await writeNetPth(join(dir, weightFiles.inception.fileName), p.all())
    const f = await openInceptionGenerationFeatures({ weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor, inputPx: c.inputPx })
    const images = { layout: 'nchw-f32-signed' as const, data: fixtureImages(c.seeds[0]!, c.shape, 0, 1).map((u) => 2 * u - 1), shape: c.shape as [number, number, number, number] }
    const rows = await f.extract(images, 1)
    expect(maxRelDiff(rows.pool, c.features.flat(), 1e-2)).toBeLessThan(1e-4)
    expect([f.isProxy, f.classes, f.spatialDim]).toEqual([false, 1008, 3 * 3 * 7]) // 75 px: Mixed_6d runs on a 3×3 grid
    expect(rows.spatial.length).toBe(2 * f.spatialDim)
    const w = paramValues('fc.weight', [1008, net.featureDim])
    const d = net.featureDim
    for (let b = 0; b < 2; b++) {
      const logits = Array.from({ length: 1008 }, (_, y) => rows.pool.subarray(b * d, (b + 1) * d).reduce((s, v, i) => s + v * w[y * d + i], 0))
      const max = Math.max(...logits)
      const z = logits.reduce((s, l) => s + Math.exp(l - max), 0)
      expect(maxRelDiff(rows.probs.subarray(b * 1008, (b + 1) * 1008), logits.map((l) => Math.exp(l - max) / z), 1e-6)).toBeLessThan(1e-3)
    }
    f.dispose()
  })
})

describe('openProxyGenerationFeatures', () => {
  it('is labelled proxy and gives pool, spatial and 5-class rows', async () => {
    await useBackend('wasm') // 224 px MobileNetV2: seconds on wasm, half a minute on cpu
    const f = await openProxyGenerationFeatures()
    expect(f.isProxy).toBe(true)
    expect(f.network.name).toMatch(/^proxy: /)
    const rows = await f.extract({ layout: 'nchw-f32-signed', data: fixtureImages(3, [1, 3, 32, 32], -1, 1), shape: [1, 3, 32, 32] })
    expect([rows.pool.length, rows.spatial.length, rows.probs.length]).toEqual([1280, f.spatialDim, 5])
    expect(rows.probs[0] + rows.probs[1] + rows.probs[2] + rows.probs[3] + rows.probs[4]).toBeCloseTo(1, 5)
    f.dispose()
  })
})
