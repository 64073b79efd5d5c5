// metrics/inception-features.ts: pool3 features of the tiny-width FID InceptionV3 from a .pth file equal the
// numpy reference; the MobileNetV2 proxy is labelled as a proxy and is batch-size independent.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImagesNCHW } from '../../../src/trainer/metrics/images'
import { openInceptionFeatures, openProxyFeatures } from '../../../src/trainer/metrics/inception-features'
import { Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { fileSha256, weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { maxAbsDiff, maxRelDiff, useBackend } from '../nets/backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-inception-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('openInceptionFeatures', () => {
  it('features of [−1, 1] images (used as float [0, 1]) equal the reference; the card names the file and hash', async () => {
    const c = ref.inception
    const p = Params.root()
    new FIDInceptionV3(p, c.widthDivisor, c.inputPx)
    const path = await writeNetPth(join(dir, weightFiles.inception.fileName), p.all())
    const extractor = await openInceptionFeatures({ weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor, inputPx: c.inputPx })
    const unit = fixtureImages(c.seeds[0]!, c.shape, 0, 1)
    const images: ImagesNCHW = { layout: 'nchw-f32-signed', data: unit.map((u) => 2 * u - 1), shape: c.shape as [number, number, number, number] }
    const feats = await extractor.features(images, 1)
    expect(feats.length).toBe(2 * extractor.featureDim)
    expect(maxRelDiff(feats, c.features.flat(), 1e-2)).toBeLessThan(1e-4)
    expect(extractor.isProxy).toBe(false)
    expect(extractor.network).toMatchObject({ weightsFile: weightFiles.inception.fileName, sha256: await fileSha256(path) })
    extractor.dispose()
  })

  it('without the weight file: an error naming pt_inception-2015-12-05-6726825d.pth and where to put it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'flowmo-no-inception-'))
    await expect(openInceptionFeatures({ weightsDir: empty })).rejects.toThrow(/pt_inception-2015-12-05-6726825d\.pth.*pytorch-fid/)
    rmSync(empty, { recursive: true })
  })
})

describe('openProxyFeatures', () => {
  it('is labelled proxy, gives 1280-d features independent of the batch size', async () => {
    const proxy = await openProxyFeatures()
    expect(proxy.isProxy).toBe(true)
    expect(proxy.network.name).toMatch(/^proxy: MobileNetV2/)
    expect(proxy.network.sha256).toMatch(/^[0-9a-f]{64}$/)
    const images: ImagesNCHW = { layout: 'nchw-f32-signed', data: fixtureImages(51, [3, 3, 32, 32], -1, 1), shape: [3, 3, 32, 32] }
    const [one, all] = [await proxy.features(images, 1), await proxy.features(images, 3)]
    expect(one.length).toBe(3 * 1280)
    expect(maxAbsDiff(one, all)).toBeLessThan(1e-5)
    expect(maxAbsDiff(one.subarray(0, 1280), one.subarray(1280, 2560))).toBeGreaterThan(1e-3)
    proxy.dispose()
  })
})
