// The offline perceptual proxy: the MobileNetV2 that the `nsfwjs` npm package ships inside itself (Keras
// MobileNetV2 α = 1, 224 px, ImageNet-initialised and fine-tuned by nsfwjs for its 5-class image filter;
// uint8-quantised weights). Read from node_modules, never fetched. NOT an ImageNet classifier, NOT LPIPS.
import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs-core'
import { PROXY_MIN_SIZE_PX } from '../losses/perceptual'
import { KerasGraph, type KerasLayer } from './keras-graph'

export const PROXY_NETWORK = 'MobileNetV2 (nsfwjs 4.3.0, ImageNet-initialised, fine-tuned for content filtering)'

/** Feature taps at strides 2, 4, 8, 16, 32 (the expansion ReLUs DeepLab/U-Net use, and the final 1280-channel ReLU). */
export const PROXY_TAPS = ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_13_expand_relu', 'out_relu'] as const

interface TfjsLayersModelJson {
  modelTopology: { model_config: { config: { layers: KerasLayer[] } } }
  weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[]
}

/** Loads the bundled model (JSON + base64 weight shard, both JS modules of the package) into a KerasGraph. */
export async function loadProxyMobileNetV2(): Promise<KerasGraph> {
  const { json, bytes } = await bundledModel()
  const buffer = new Uint8Array(bytes).buffer // a fresh ArrayBuffer holding exactly the weights
  const weights = tf.io.decodeWeights(buffer, json.weightsManifest.flatMap((g) => g.weights)) // dequantises uint8
  return new KerasGraph(json.modelTopology.model_config.config.layers, weights)
}

/** SHA-256 of the proxy's weight bytes, for protocol cards. */
export async function proxyWeightsSha256(): Promise<string> {
  return createHash('sha256').update((await bundledModel()).bytes).digest('hex')
}

async function bundledModel(): Promise<{ json: TfjsLayersModelJson; bytes: Buffer }> {
  const { MobileNetV2Model } = await import('nsfwjs/models/mobilenet_v2')
  const json = ((await MobileNetV2Model.modelJson()) as unknown as { default: TfjsLayersModelJson }).default
  const shards = await Promise.all(MobileNetV2Model.weightBundles.map(async (load) => ((await load()) as { default: string }).default))
  return { json, bytes: Buffer.concat(shards.map((b64) => Buffer.from(b64, 'base64'))) }
}

/** `[B, 3, H, W]` in [−1, 1] (exactly Keras MobileNetV2's `preprocess_input` range) → the PROXY_TAPS features. */
export function proxyFeatures(graph: KerasGraph, x: tf.Tensor4D): tf.Tensor4D[] {
  const [, , h, w] = x.shape
  if (Math.min(h, w) < PROXY_MIN_SIZE_PX) {
    throw new Error(`the proxy network (${PROXY_NETWORK}) needs images of at least ${PROXY_MIN_SIZE_PX} px a side, got ${h}×${w}`)
  }
  return graph.run(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, PROXY_TAPS)
}
