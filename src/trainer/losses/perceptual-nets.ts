// The perceptual losses behind losses/perceptual.ts: LPIPS-VGG (Stage 1A, lpips.LPIPS(net="vgg")), MSE of
// ResNet-50 logits (Stage 1B, the reference's perceptual_loss.py on logits), and the offline MobileNetV2 proxy.
import * as tf from '@tensorflow/tfjs-core'
import { Params } from '../model/params'
import type { KerasGraph } from '../nets/keras-graph'
import { NetWeights } from '../nets/layers'
import { readStateDict, type NetFileInfo } from '../nets/load'
import { LPIPS, unitNormalize } from '../nets/lpips'
import { loadProxyMobileNetV2, PROXY_NETWORK, proxyFeatures } from '../nets/mobilenet-v2-proxy'
import { imagenetInput, ResNet50, resnet50Params, RESNET_INPUT_PX } from '../nets/resnet50'
import { locateWeightFile, MissingWeightsError } from '../nets/weight-files'
import type { PerceptualKind, PerceptualLoss } from './perceptual'

export class LpipsVggLoss implements PerceptualLoss {
  readonly name = 'lpips-vgg'
  readonly label = 'LPIPS (VGG16, v0.1 linear heads)'
  readonly isProxy = false
  constructor(readonly lpips: LPIPS) {}
  distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Scalar {
    return tf.mean(this.lpips.distance(x, y))
  }
  dispose(): void {
    this.lpips.dispose()
  }
}

/** `F.mse_loss(net(x), net(y))` on the 1000-d fc logits after the reference's preprocessing (imagenetInput). */
export class ResNetLogitsLoss implements PerceptualLoss {
  readonly name = 'resnet50'
  readonly label = 'ResNet-50 logit MSE (torchvision IMAGENET1K_V1)'
  readonly isProxy = false
  constructor(readonly net: ResNet50, readonly weights: NetWeights, readonly files: NetFileInfo[], readonly inputPx = RESNET_INPUT_PX) {}
  distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Scalar {
    const B = x.shape[0]
    const logits = this.net.forward(this.weights, imagenetInput(tf.concat([x, y], 0) as tf.Tensor4D, this.inputPx)) // [2B, classes]
    const [lx, ly] = tf.split(logits, [B, B], 0)
    return tf.mean(tf.squaredDifference(lx!, ly!))
  }
  dispose(): void {
    this.weights.dispose()
  }
}

/**
 * LPIPS's "baseline" form (lpips=False: unit-normalised features, squared difference summed over channels,
 * spatial mean, summed over taps) on the MobileNetV2 shipped in nsfwjs. A stand-in when no real weights exist.
 */
export class ProxyPerceptualLoss implements PerceptualLoss {
  readonly name = 'proxy'
  readonly isProxy = true
  readonly label: string
  constructor(readonly graph: KerasGraph, readonly fallbackReason: string | null = null) {
    this.label = `perceptual proxy (${PROXY_NETWORK}), not LPIPS` + (fallbackReason ? ` — fallback: ${fallbackReason}` : '')
  }
  distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Scalar {
    const B = x.shape[0]
    const terms = proxyFeatures(this.graph, tf.concat([x, y], 0) as tf.Tensor4D).map((f) => {
      const [f0, f1] = tf.split(unitNormalize(f), [B, B], 0)
      return tf.mean(tf.sum(tf.squaredDifference(f0!, f1!), 3)) // spatial and batch mean of the channel sum
    })
    return tf.addN(terms) as tf.Scalar
  }
  dispose(): void {
    this.graph.dispose()
  }
}

export async function loadResNetLogitsLoss(weightsDir?: string): Promise<ResNetLogitsLoss> {
  const path = locateWeightFile('resnet50', 'The Stage-1B perceptual loss (ResNet-50 logits)', weightsDir)
  const p = Params.root()
  const net = new ResNet50(p, resnet50Params)
  const { tensors, info } = await readStateDict(p.all(), path)
  return new ResNetLogitsLoss(net, new NetWeights(tensors), [info])
}

export async function createNetPerceptualLoss(
  kind: Exclude<PerceptualKind, 'none'>,
  opts: { weightsDir?: string; allowFallback?: boolean },
): Promise<PerceptualLoss> {
  if (kind === 'proxy') return new ProxyPerceptualLoss(await loadProxyMobileNetV2())
  try {
    if (kind === 'lpips-vgg') return new LpipsVggLoss(await LPIPS.load('vgg', { weightsDir: opts.weightsDir }))
    return await loadResNetLogitsLoss(opts.weightsDir)
  } catch (err) {
    if (!(err instanceof MissingWeightsError) || !opts.allowFallback) throw err
    return new ProxyPerceptualLoss(await loadProxyMobileNetV2(), `${err.file.fileName} not found (${kind} asked for)`)
  }
}
