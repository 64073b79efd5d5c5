// metrics/lpips.ts: per-image LPIPS (AlexNet and VGG layouts, tiny widths) from .pth files equals the numpy
// reference in any batch size, and the protocol entries carry the files' SHA-256.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImagesNCHW } from '../../../src/trainer/metrics/images'
import { openLpipsMetric } from '../../../src/trainer/metrics/lpips'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { fileSha256, weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { maxRelDiff, useBackend } from '../nets/backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-lpips-metric-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const images = (seed: number, shape: number[]): ImagesNCHW => ({
  layout: 'nchw-f32-signed', data: fixtureImages(seed, shape, -1, 1), shape: shape as [number, number, number, number],
})

describe('openLpipsMetric', () => {
  for (const [net, c, files] of [
    ['alex', ref.lpips_alex, [weightFiles.alexnet, weightFiles.lpipsAlex]],
    ['vgg', ref.lpips_vgg, [weightFiles.vgg16, weightFiles.lpipsVgg]],
  ] as const) {
    it(`${net}: one value per image, equal to the reference for batch sizes 1 and 8`, async () => {
      const layout = new LPIPS(net, c.widthDivisor)
      const paths = [await writeNetPth(join(dir, files[0].fileName), layout.backboneParams.all()), await writeNetPth(join(dir, files[1].fileName), layout.headParams.all())]
      const metric = await openLpipsMetric(net, { weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor })
      const [x, y] = [images(c.seeds[0]!, c.shape), images(c.seeds[1]!, c.shape)]
      for (const batchSize of [1, 8]) expect(maxRelDiff(await metric.lpips(x, y, batchSize), c.distance)).toBeLessThan(1e-4)
      expect(metric.networks.map((n) => [n.weightsFile, n.sha256])).toEqual(await Promise.all(paths.map(async (p, i) => [files[i]!.fileName, await fileSha256(p)])))
      metric.dispose()
    })
  }
})
