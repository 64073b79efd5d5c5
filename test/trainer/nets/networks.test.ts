// The tiny-width VGG16/AlexNet LPIPS, ResNet-50 and FID InceptionV3, loaded from real .pth files written here,
// against test/fixtures/nets/reference.json (numpy, BatchNorm unfolded; make_reference.py).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { NetWeights } from '../../../src/trainer/nets/layers'
import { readStateDict } from '../../../src/trainer/nets/load'
import { LPIPS, type LpipsNet } from '../../../src/trainer/nets/lpips'
import { imagenetInput, ResNet50 } from '../../../src/trainer/nets/resnet50'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { maxRelDiff, useBackend } from './backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-nets-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const image = (seed: number, shape: number[], lo: number, hi: number) => tf.tensor4d(fixtureImages(seed, shape, lo, hi), shape as [number, number, number, number])

/** Writes the LPIPS backbone (with an unused classifier, as torchvision's file has) and heads under their real names. */
async function writeLpipsFiles(net: LpipsNet, widthDivisor: number): Promise<void> {
  const layout = new LPIPS(net, widthDivisor)
  const [backbone, heads] = net === 'vgg' ? [weightFiles.vgg16, weightFiles.lpipsVgg] : [weightFiles.alexnet, weightFiles.lpipsAlex]
  await writeNetPth(join(dir, backbone.fileName), layout.backboneParams.all(), [{ name: 'classifier.0.weight', shape: [3, 5] }])
  await writeNetPth(join(dir, heads.fileName), layout.headParams.all())
}

describe('LPIPS (tiny widths) from .pth files', () => {
  for (const [net, c] of [['vgg', ref.lpips_vgg], ['alex', ref.lpips_alex]] as const) {
    it(`${net}: per-image distances equal the numpy reference`, async () => {
      await writeLpipsFiles(net, c.widthDivisor)
      const lpips = await LPIPS.load(net, { weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor })
      const d = lpips.distance(image(c.seeds[0]!, c.shape, -1, 1), image(c.seeds[1]!, c.shape, -1, 1))
      expect(d.shape).toEqual([2])
      expect(maxRelDiff(d.dataSync(), c.distance)).toBeLessThan(1e-4)
      expect(Array.from(lpips.distance(image(1, c.shape, -1, 1), image(1, c.shape, -1, 1)).dataSync())).toEqual([0, 0])
      expect(lpips.files.map((f) => f.sha256)).toHaveLength(2)
      lpips.dispose()
    })
  }
})

describe('ResNet-50 layout (tiny widths, blocks [3, 4, 6, 3])', () => {
  it('logits after the Stage-1B preprocessing (antialiased resize, ImageNet normalisation) equal the numpy reference', async () => {
    const c = ref.resnet50
    const p = Params.root()
    const net = new ResNet50(p, { widthDivisor: c.widthDivisor, blocks: [3, 4, 6, 3], numClasses: c.numClasses })
    const path = await writeNetPth(join(dir, weightFiles.resnet50.fileName), p.all(), [{ name: 'bn1.num_batches_tracked', shape: [] }])
    const { tensors } = await readStateDict(p.all(), path, { verifyHash: false })
    const w = new NetWeights(tensors)
    const logits = (seed: number) => net.forward(w, imagenetInput(image(seed, c.shape, -1, 1), c.inputPx))
    const lx = logits(c.seeds[0]!)
    expect(lx.shape).toEqual([2, c.numClasses])
    expect(maxRelDiff(lx.dataSync(), c.logits.flat(), 1)).toBeLessThan(1e-4)
    const mse = tf.mean(tf.squaredDifference(lx, logits(c.seeds[1]!))).dataSync()[0]!
    expect(Math.abs(mse - c.mse) / c.mse).toBeLessThan(1e-4)
    w.dispose()
  })
})

describe('FID InceptionV3 layout (tiny widths)', () => {
  it('pool3 features of [0, 1] images (bilinear resize, ×2 − 1, FID pooling quirks) equal the numpy reference', async () => {
    const c = ref.inception
    const p = Params.root()
    const net = new FIDInceptionV3(p, c.widthDivisor, c.inputPx)
    const path = await writeNetPth(join(dir, weightFiles.inception.fileName), p.all(), [{ name: 'fc.weight', shape: [1008, net.featureDim] }])
    const { tensors } = await readStateDict(p.all(), path, { verifyHash: false, unused: (n) => n.startsWith('fc.') })
    const w = new NetWeights(tensors)
    const features = net.features(w, image(c.seeds[0]!, c.shape, 0, 1))
    expect(features.shape).toEqual([2, 2048 / c.widthDivisor])
    expect(maxRelDiff(features.dataSync(), c.features.flat(), 1e-2)).toBeLessThan(1e-4)
    w.dispose()
  })
})
