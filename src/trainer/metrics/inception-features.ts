// Feature extractors for FID/KID: pytorch-fid's InceptionV3 pool3 (2048-d; reference evaluate.py rFID) from the
// user's weight file, and the offline MobileNetV2 proxy (1280-d) whose numbers must be labelled "proxy", never rFID.
import * as tf from '@tensorflow/tfjs-core'
import { Params } from '../model/params'
import { FIDInceptionV3, FID_INPUT_PX } from '../nets/inception-v3'
import type { KerasGraph } from '../nets/keras-graph'
import { NetWeights } from '../nets/layers'
import { readStateDict } from '../nets/load'
import { loadProxyMobileNetV2, PROXY_NETWORK, proxyWeightsSha256 } from '../nets/mobilenet-v2-proxy'
import { globalAvgPool } from '../nets/pool'
import { locateWeightFile } from '../nets/weight-files'
import type { ImagesNCHW } from './images'
import type { FeatureNetwork } from './protocol'

export interface FeatureExtractor {
  readonly network: FeatureNetwork
  readonly featureDim: number
  readonly isProxy: boolean // true: the numbers are proxy FID/KID, never to be printed as rFID
  /** Row-major `[N, featureDim]` features of NCHW images in [−1, 1] (clamped; used as float, no uint8 step). */
  features(images: ImagesNCHW, batchSize?: number): Promise<Float32Array>
  dispose(): void
}

export interface InceptionOptions {
  weightsDir?: string
  verifyHash?: boolean // default true
  widthDivisor?: number // 1 for the real network; test networks use more
  inputPx?: number // 299 for the real protocol
}

/** pytorch-fid's network from `pt_inception-2015-12-05-6726825d.pth` (MissingWeightsError says where to get it). */
export async function openInceptionFeatures(opts: InceptionOptions = {}): Promise<FeatureExtractor> {
  const path = locateWeightFile('inception', 'rFID/KID', opts.weightsDir)
  const p = Params.root()
  const net = new FIDInceptionV3(p, opts.widthDivisor, opts.inputPx)
  const { tensors, info } = await readStateDict(p.all(), path, { unused: (n) => n.startsWith('fc.'), verifyHash: opts.verifyHash })
  const weights = new NetWeights(tensors)
  const inputPx = opts.inputPx ?? FID_INPUT_PX
  return {
    network: {
      name: `inception-v3-fid pool3 ${net.featureDim}`,
      input: `float [0,1] (no uint8), bilinear ${inputPx} align_corners=False no antialias, then ×2−1`,
      weightsFile: path.split(/[\\/]/).pop()!, sha256: info.sha256,
    },
    featureDim: net.featureDim,
    isProxy: false,
    features: (images, batchSize = 16) => batched(images, batchSize, net.featureDim, (x) => net.features(weights, tf.div(tf.add(x, 1), 2) as tf.Tensor4D)),
    dispose: () => weights.dispose(),
  }
}

/** The offline proxy: global-average-pooled `out_relu` (1280-d) of the nsfwjs MobileNetV2 at the images' own size. */
export async function openProxyFeatures(): Promise<FeatureExtractor> {
  const graph: KerasGraph = await loadProxyMobileNetV2()
  return {
    network: { name: `proxy: ${PROXY_NETWORK} out_relu GAP 1280`, input: 'float [-1,1], native size, no resize', weightsFile: 'nsfwjs 4.3.0 models/mobilenet_v2', sha256: await proxyWeightsSha256() },
    featureDim: 1280,
    isProxy: true,
    features: (images, batchSize = 16) => batched(images, batchSize, 1280, (x) => globalAvgPool(graph.run(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, ['out_relu'])[0]!)),
    dispose: () => graph.dispose(),
  }
}

async function batched(images: ImagesNCHW, batchSize: number, dim: number, f: (x: tf.Tensor4D) => tf.Tensor2D): Promise<Float32Array> {
  const [n, c, h, w] = images.shape
  const per = c * h * w
  const out = new Float32Array(n * dim)
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start)
    const feats = tf.tidy(() => f(tf.clipByValue(tf.tensor4d(images.data.subarray(start * per, (start + count) * per), [count, c, h, w]), -1, 1) as tf.Tensor4D))
    out.set(await feats.data(), start * dim) // sync point
    feats.dispose()
  }
  return out
}
