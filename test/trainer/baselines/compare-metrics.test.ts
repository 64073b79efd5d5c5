// baselines/compare-metrics.ts through compareMethods, with the tiny same-layout InceptionV3 and LPIPS-AlexNet .pth
// fixtures: FID equals eval's covariance computation and is 0 for a lossless method, FID/KID/LPIPS grow with the
// noise; missing weight files and a single image are reported as unavailable; the proxy is keyed fid_proxy.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareMethods } from '../../../src/trainer/baselines/compare'
import { openCompareNetworks, setSizeNotes, signedImages, disposeCompareNetworks, type CompareNetworks } from '../../../src/trainer/baselines/compare-metrics'
import type { Method } from '../../../src/trainer/baselines/method'
import type { RgbImage } from '../../../src/trainer/data/images'
import { featureStats, frechetDistance } from '../../../src/trainer/metrics/frechet'
import { openInceptionFeatures } from '../../../src/trainer/metrics/inception-features'
import { openLpipsMetric } from '../../../src/trainer/metrics/lpips'
import { Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { mulberry32, netsReference as ref, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { useBackend } from '../nets/backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-compare-metrics-'))
const empty = join(dir, 'no-weights')
mkdirSync(empty)
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Smooth colour patterns, different per seed. */
const image = (seed: number, size: number): RgbImage => ({
  rgb: Uint8Array.from({ length: size * size * 3 }, (_, i) => 128 + Math.round(90 * Math.sin(((i % 3) + 1) * 0.02 * seed * (i / 3)) * Math.cos(0.05 * seed * (i % (3 * size))))),
  h: size, w: size,
})

/** Adds seeded uniform noise of ±amplitude to every pixel (0: the image itself). */
const noisy = (amplitude: number): Method => ({
  id: `noise-${amplitude}`, label: `noise ±${amplitude}`, settings: {}, bpp: () => 1,
  reconstruct: async (imgs) => imgs.map((img, k) => {
    const rand = mulberry32(1000 + k)
    return { image: { ...img, rgb: img.rgb.map((v) => Math.min(255, Math.max(0, v + Math.round(amplitude * (2 * rand() - 1))))) }, bpp: 1, settings: {} }
  }),
  dispose: async () => {},
})

async function fixtureNetworks(): Promise<CompareNetworks> {
  const c = ref.inception
  const p = Params.root()
  new FIDInceptionV3(p, c.widthDivisor, c.inputPx)
  await writeNetPth(join(dir, weightFiles.inception.fileName), p.all())
  const alex = new LPIPS('alex', ref.lpips_alex.widthDivisor)
  await writeNetPth(join(dir, weightFiles.alexnet.fileName), alex.backboneParams.all())
  await writeNetPth(join(dir, weightFiles.lpipsAlex.fileName), alex.headParams.all())
  const extractor = await openInceptionFeatures({ weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor, inputPx: c.inputPx })
  const lpips = await openLpipsMetric('alex', { weightsDir: dir, verifyHash: false, widthDivisor: ref.lpips_alex.widthDivisor })
  return { lpips: [lpips], features: [{ extractor, suffix: '', fid: true, kid: true }], unavailable: {} }
}

describe('compareMethods with metric networks', () => {
  it('tiny InceptionV3 and LPIPS-AlexNet: FID as eval computes it, 0 when lossless; FID, KID, LPIPS grow with the noise', async () => {
    const nets = await fixtureNetworks()
    const images = [1, 2, 3, 4, 5].map((s) => image(s, 48))
    const [clean, low, high] = await compareMethods(images, [noisy(0), noisy(10), noisy(60)], { networks: nets })
    const { extractor } = nets.features[0]!
    const d = extractor.featureDim
    const fx = await extractor.features(signedImages(images))
    const fy = await extractor.features(signedImages(low.reconstructions.map((r) => r.image)))
    expect(low.metrics.fid).toBeCloseTo(frechetDistance(featureStats(fx, 5, d), featureStats(fy, 5, d)).value, 6)
    expect(Math.abs(clean.metrics.fid)).toBeLessThan(1e-9 * high.metrics.fid)
    expect(low.metrics.fid).toBeGreaterThan(1e-6 * high.metrics.fid)
    expect(high.metrics.fid).toBeGreaterThan(low.metrics.fid)
    expect(high.metrics.kid).toBeGreaterThan(low.metrics.kid)
    expect(high.metrics.lpips_alex).toBeGreaterThan(low.metrics.lpips_alex)
    expect(clean.reconstructions.map((r) => r.lpips)).toEqual(images.map(() => ({ alex: 0 })))
    const perImage = low.reconstructions.map((r) => r.lpips!.alex)
    expect(perImage.every((v) => v > 0)).toBe(true)
    expect(low.metrics.lpips_alex).toBeCloseTo(perImage.reduce((a, v) => a + v, 0) / 5, 6)
    expect(low.details.kid).toMatchObject({ subsetSize: 5, proxy: false })
    expect(Object.keys(low.metrics).sort()).toEqual(['fid', 'kid', 'lpips_alex'])
    expect(setSizeNotes(nets, 5).warnings.fid).toBe(`5 images ≤ ${d} features: the covariances are singular; compare only runs with the same N`)
    const [one] = await compareMethods(images.slice(0, 1), [noisy(10)], { networks: nets })
    expect(Object.keys(one.metrics)).toEqual(['lpips_alex'])
    expect(setSizeNotes(nets, 1).unavailable).toEqual({ fid: 'needs at least 2 images', kid: 'needs at least 2 images' })
    disposeCompareNetworks(nets)
  })

  it('without weight files: LPIPS, rFID and KID are unavailable with the files they need, nothing is computed', async () => {
    const nets = await openCompareNetworks(['lpips', 'fid', 'kid'], empty)
    expect(nets.features).toEqual([])
    expect(nets.lpips).toEqual([])
    expect(Object.keys(nets.unavailable).sort()).toEqual(['fid', 'kid', 'lpips_alex', 'lpips_vgg'])
    expect(nets.unavailable.fid).toMatch(/^rFID\/KID needs pt_inception-2015-12-05-6726825d\.pth: .*pytorch-fid/)
    expect(nets.unavailable.lpips_vgg).toMatch(/vgg16-397923af\.pth/)
    const [m] = await compareMethods([image(1, 32), image(2, 32)], [noisy(10)], { networks: nets })
    expect(m.metrics).toEqual({})
    expect(m.reconstructions[0].lpips).toBeUndefined()
  })

  it('the offline proxy beside a missing Inception: keyed fid_proxy / kid_proxy, 0 when lossless', async () => {
    const nets = await openCompareNetworks(['fid', 'fid-proxy', 'kid-proxy'], empty)
    expect(Object.keys(nets.unavailable)).toEqual(['fid'])
    expect(nets.features.map((f) => [f.suffix, f.fid, f.kid, f.extractor.isProxy])).toEqual([['_proxy', true, true, true]])
    const images = [1, 2, 3].map((s) => image(s, 64))
    const [clean, low] = await compareMethods(images, [noisy(0), noisy(30)], { networks: nets })
    expect(Object.keys(low.metrics).sort()).toEqual(['fid_proxy', 'kid_proxy'])
    expect(low.details.fid_proxy).toMatchObject({ proxy: true, featureDim: 1280 })
    expect(low.metrics.fid_proxy).toBeGreaterThan(0)
    expect(Math.abs(clean.metrics.fid_proxy)).toBeLessThan(1e-9 * low.metrics.fid_proxy)
    disposeCompareNetworks(nets)
  })
})
