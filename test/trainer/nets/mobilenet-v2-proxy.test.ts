// The nsfwjs MobileNetV2 proxy: our Keras-graph interpreter equals tfjs-layers running the same bundled model,
// and its features behave like a perceptual network's (zero for equal images, growing with the distortion).
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KerasGraph } from '../../../src/trainer/nets/keras-graph'
import { loadProxyMobileNetV2, PROXY_TAPS, proxyFeatures } from '../../../src/trainer/nets/mobilenet-v2-proxy'
import { fixtureImages } from '../../fixtures/nets/fixture-weights'
import { maxAbsDiff, useBackend } from './backends'

let graph: KerasGraph
beforeAll(async () => {
  await useBackend('cpu')
  graph = await loadProxyMobileNetV2()
})
afterAll(() => graph.dispose())

const smooth = (seed: number, sizePx = 64) => tf.tidy(() => {
  const noise = tf.tensor4d(fixtureImages(seed, [1, 3, 8, 8], -1, 1), [1, 3, 8, 8])
  return tf.transpose(tf.image.resizeBilinear(tf.transpose(noise, [0, 2, 3, 1]) as tf.Tensor4D, [sizePx, sizePx]), [0, 3, 1, 2]) as tf.Tensor4D
})

describe('MobileNetV2 proxy from the nsfwjs package', () => {
  it('the five taps have MobileNetV2 widths and strides 2 … 32', () => {
    const feats = proxyFeatures(graph, smooth(1))
    expect(feats.map((f) => f.shape)).toEqual([[1, 32, 32, 96], [1, 16, 16, 144], [1, 8, 8, 192], [1, 4, 4, 576], [1, 2, 2, 1280]])
    expect(PROXY_TAPS).toHaveLength(5)
  })

  it('refuses images smaller than its stride-32 tap with a clear error (the backends would crash on empty maps)', () => {
    expect(() => proxyFeatures(graph, smooth(1, 16))).toThrow(/needs images of at least 32 px a side, got 16×16/)
    expect(proxyFeatures(graph, smooth(1, 32)).at(-1)!.shape).toEqual([1, 1, 1, 1280])
  })

  it('equals tfjs-layers running the same model.json and weights', async () => {
    const layers = await import('@tensorflow/tfjs-layers')
    const { MobileNetV2Model } = await import('nsfwjs/models/mobilenet_v2')
    const json = ((await MobileNetV2Model.modelJson()) as unknown as { default: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] } }).default
    const shard = Buffer.from(((await MobileNetV2Model.weightBundles[0]!()) as { default: string }).default, 'base64')
    const model = await layers.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
    }))
    const sub = layers.model({ inputs: model.inputs, outputs: PROXY_TAPS.map((t) => model.getLayer(t).output as never) })
    const x = smooth(2, 224) // the layers model insists on its 224 px input
    const theirs = sub.predict(tf.transpose(x, [0, 2, 3, 1])) as tf.Tensor[]
    const ours = proxyFeatures(graph, x)
    for (const [i, t] of theirs.entries()) expect(maxAbsDiff(ours[i]!.dataSync(), t.dataSync())).toBeLessThan(1e-3) // activations reach 6
    model.dispose()
  })
})
