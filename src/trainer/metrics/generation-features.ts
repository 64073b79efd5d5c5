// Feature networks for generation metrics, as the ADM evaluator reads its Inception graph: pool_3 (2048-d: FID, KID,
// precision/recall), `mixed_6/conv` first 7 channels (17×17×7 = 2023-d: sFID) and softmax(pool_3 · W) without bias (1008
// classes: IS). From pytorch-fid's weights when the user has them; otherwise the offline MobileNetV2 proxy, labelled proxy.
import * as tf from '@tensorflow/tfjs-core'
import { Params } from '../model/params'
import { InceptionC } from '../nets/inception-blocks'
import { FIDInceptionV3 } from '../nets/inception-v3'
import { NetWeights } from '../nets/layers'
import { readStateDict } from '../nets/load'
import { loadProxyMobileNetV2, PROXY_NETWORK, proxyWeightsSha256 } from '../nets/mobilenet-v2-proxy'
import { globalAvgPool } from '../nets/pool'
import { resizeBilinear } from '../nets/resize'
import { locateWeightFile, MissingWeightsError } from '../nets/weight-files'
import type { ImagesNCHW } from './images'
import type { FeatureNetwork } from './protocol'

export const SPATIAL_CHANNELS = 7 // ADM: spatial[..., :7]
const PROXY_INPUT_PX = 224 // the proxy's training size: its classifier head needs the 7×7 grid

export interface GenerationFeatureRows {
  readonly pool: Float32Array // [n, poolDim]
  readonly spatial: Float32Array // [n, spatialDim]
  readonly probs: Float32Array // [n, classes]
}

export interface GenerationFeatures {
  readonly network: FeatureNetwork
  readonly isProxy: boolean
  readonly poolDim: number
  readonly spatialDim: number
  readonly classes: number
  extract(images: ImagesNCHW, batchSize?: number): Promise<GenerationFeatureRows>
  dispose(): void
}

type Heads = { pool: tf.Tensor2D; spatial: tf.Tensor2D; probs: tf.Tensor2D } // a type alias, so tf.tidy may return it

/** NHWC → the first SPATIAL_CHANNELS channels, flattened in (h, w, c) order as numpy's reshape of the TF tensor. */
function spatialRows(x: tf.Tensor4D): tf.Tensor2D {
  const [B, H, W] = x.shape
  return tf.reshape(tf.slice(x, [0, 0, 0, 0], [B, H, W, SPATIAL_CHANNELS]), [B, H * W * SPATIAL_CHANNELS])
}

/** pytorch-fid's InceptionV3 (with its `fc` layer, 1008 classes) from the user's weight file. */
export async function openInceptionGenerationFeatures(opts: { weightsDir?: string; verifyHash?: boolean; widthDivisor?: number; inputPx?: number } = {}): Promise<GenerationFeatures> {
  const path = locateWeightFile('inception', 'gFID/sFID/IS', opts.weightsDir)
  const p = Params.root()
  const net = new FIDInceptionV3(p, opts.widthDivisor, opts.inputPx)
  const fc = p.sub('fc').declare('weight', [1008, net.featureDim])
  p.sub('fc').declare('bias', [1008])
  const { tensors, info } = await readStateDict(p.all(), path, { verifyHash: opts.verifyHash })
  const w = new NetWeights(tensors)
  const heads = (x01: tf.Tensor4D): Heads => {
    let spatial: tf.Tensor2D | null = null
    const mixed6d = net.mixed[6] as InceptionC // TF's mixed_6; its `conv` is branch1x1 (conv, BN, ReLU)
    const pool = globalAvgPool(net.blocks(w, net.input(x01), (i, input) => {
      if (i === 6) spatial = spatialRows(mixed6d.b1x1.forward(w, input))
    }))
    const probs = tf.softmax(tf.matMul(pool, tensors.get(fc.name)! as tf.Tensor2D, false, true)) as tf.Tensor2D // ADM: no bias
    return { pool, spatial: spatial!, probs }
  }
  const spatialPx = (await dims(heads, net.inputPx)).spatial
  return {
    network: { name: `inception-v3 (pytorch-fid weights) pool_3 ${net.featureDim}, mixed_6/conv[:7], softmax 1008`, input: `float [0,1], bilinear ${net.inputPx} no antialias, ×2−1`, weightsFile: path.split(/[\\/]/).pop()!, sha256: info.sha256 },
    isProxy: false, poolDim: net.featureDim, spatialDim: spatialPx, classes: 1008,
    extract: (images, batchSize = 16) => run(images, batchSize, (x) => heads(tf.div(tf.add(x, 1), 2) as tf.Tensor4D)),
    dispose: () => w.dispose(),
  }
}

/** The offline proxy: the nsfwjs MobileNetV2 at 224 px: GAP(out_relu) 1280, block_13_expand_relu[:7] (14×14×7), its 5-way head. */
export async function openProxyGenerationFeatures(): Promise<GenerationFeatures> {
  const graph = await loadProxyMobileNetV2()
  const heads = (x: tf.Tensor4D): Heads => {
    const nhwc = tf.transpose(resizeBilinear(x, PROXY_INPUT_PX, PROXY_INPUT_PX, true), [0, 2, 3, 1]) as tf.Tensor4D
    const [mid, out] = graph.run(nhwc, ['block_13_expand_relu', 'out_relu'])
    const pool = globalAvgPool(out)
    const probs = graph.dense('dense_3', graph.dense('dense_2', graph.dense('dense_1', pool))) // dropout is identity at inference
    return { pool, spatial: spatialRows(mid), probs }
  }
  return {
    network: { name: `proxy: ${PROXY_NETWORK} out_relu GAP 1280, block_13_expand_relu[:7], 5-class head`, input: `float [-1,1], bilinear ${PROXY_INPUT_PX} antialias`, weightsFile: 'nsfwjs 4.3.0 models/mobilenet_v2', sha256: await proxyWeightsSha256() },
    isProxy: true, poolDim: 1280, spatialDim: 14 * 14 * SPATIAL_CHANNELS, classes: 5,
    extract: (images, batchSize = 16) => run(images, batchSize, heads),
    dispose: () => graph.dispose(),
  }
}

/** The real network when its weights are present, else the proxy; `why` says why the proxy was used. */
export async function openGenerationFeatures(opts: { weightsDir?: string; proxy?: boolean } = {}): Promise<{ features: GenerationFeatures; why: string | null }> {
  if (opts.proxy) return { features: await openProxyGenerationFeatures(), why: 'proxy requested' }
  try {
    return { features: await openInceptionGenerationFeatures({ weightsDir: opts.weightsDir }), why: null }
  } catch (e) {
    if (!(e instanceof MissingWeightsError)) throw e
    return { features: await openProxyGenerationFeatures(), why: 'pt_inception-2015-12-05-6726825d.pth not found (docs/weights.md says where to put it)' }
  }
}

async function dims(heads: (x: tf.Tensor4D) => Heads, px: number): Promise<{ spatial: number }> {
  const out = tf.tidy(() => heads(tf.zeros([1, 3, px, px]) as tf.Tensor4D))
  const spatial = out.spatial.shape[1]
  tf.dispose([out.pool, out.spatial, out.probs])
  return { spatial }
}

async function run(images: ImagesNCHW, batchSize: number, heads: (x: tf.Tensor4D) => Heads): Promise<GenerationFeatureRows> {
  const [n, c, h, w] = images.shape
  const per = c * h * w
  const parts: { pool: Float32Array[]; spatial: Float32Array[]; probs: Float32Array[] } = { pool: [], spatial: [], probs: [] }
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start)
    const out = tf.tidy(() => heads(tf.clipByValue(tf.tensor4d(images.data.subarray(start * per, (start + count) * per), [count, c, h, w]), -1, 1) as tf.Tensor4D))
    for (const k of ['pool', 'spatial', 'probs'] as const) parts[k].push((await out[k].data()) as Float32Array) // sync point
    tf.dispose([out.pool, out.spatial, out.probs])
  }
  const cat = (xs: Float32Array[]) => {
    const all = new Float32Array(xs.reduce((s, x) => s + x.length, 0))
    xs.reduce((off, x) => (all.set(x, off), off + x.length), 0)
    return all
  }
  return { pool: cat(parts.pool), spatial: cat(parts.spatial), probs: cat(parts.probs) }
}
