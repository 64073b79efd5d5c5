// torchvision ResNet-50 (resnet.py `ResNet(Bottleneck, [3, 4, 6, 3])`, V1.5: the stride sits on the 3×3 conv),
// eval mode with every BatchNorm folded into its conv; returns the fc logits. Keys: `conv1.weight`,
// `bn1.*`, `layer2.0.downsample.{0,1}.*`, `fc.weight` … as in `resnet50-0676ba61.pth`.
import * as tf from '@tensorflow/tfjs-core'
import type { Params } from '../model/params'
import { globalAvgPool, maxPool2d } from './pool'
import { BatchNorm2d, Conv2d, Linear, scaledWidth, type NetWeights } from './layers'
import { resizeBilinear } from './resize'

const EXPANSION = 4
export const IMAGENET_MEAN = [0.485, 0.456, 0.406]
export const IMAGENET_STD = [0.229, 0.224, 0.225]
export const RESNET_INPUT_PX = 224

export interface ResNet50Params {
  widthDivisor: number // 1 = the real network (base width 64, 2048 features); tests use 16
  blocks: readonly [number, number, number, number] // [3, 4, 6, 3] for ResNet-50
  numClasses: number // 1000 for ImageNet
}

export const resnet50Params: ResNet50Params = { widthDivisor: 1, blocks: [3, 4, 6, 3], numClasses: 1000 }

/** A conv and the BatchNorm after it (sibling modules, e.g. `conv2` + `bn2`), run as one folded conv. */
class ConvBn {
  constructor(readonly conv: Conv2d, readonly bn: BatchNorm2d) {}
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(w, x, this.bn)
  }
}

export class Bottleneck {
  readonly convBn1: ConvBn
  readonly convBn2: ConvBn
  readonly convBn3: ConvBn
  readonly downsample: ConvBn | null
  constructor(p: Params, inCh: number, planes: number, stride: number) {
    const outCh = planes * EXPANSION
    this.convBn1 = new ConvBn(new Conv2d(p.sub('conv1'), inCh, planes, 1, { bias: false }), new BatchNorm2d(p.sub('bn1'), planes))
    this.convBn2 = new ConvBn(new Conv2d(p.sub('conv2'), planes, planes, 3, { stride, padding: 1, bias: false }), new BatchNorm2d(p.sub('bn2'), planes))
    this.convBn3 = new ConvBn(new Conv2d(p.sub('conv3'), planes, outCh, 1, { bias: false }), new BatchNorm2d(p.sub('bn3'), outCh))
    const needsProjection = stride !== 1 || inCh !== outCh
    this.downsample = needsProjection
      ? new ConvBn(new Conv2d(p.sub('downsample').sub(0), inCh, outCh, 1, { stride, bias: false }), new BatchNorm2d(p.sub('downsample').sub(1), outCh))
      : null
  }

  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    let out = tf.relu(this.convBn1.forward(w, x))
    out = tf.relu(this.convBn2.forward(w, out))
    out = this.convBn3.forward(w, out)
    const identity = this.downsample ? this.downsample.forward(w, x) : x
    return tf.relu(tf.add<tf.Tensor4D>(out, identity))
  }
}

export class ResNet50 {
  readonly stem: ConvBn
  readonly layers: Bottleneck[][] = []
  readonly fc: Linear
  constructor(p: Params, readonly params: ResNet50Params = resnet50Params) {
    const width = (c: number) => scaledWidth(c, params.widthDivisor)
    this.stem = new ConvBn(new Conv2d(p.sub('conv1'), 3, width(64), 7, { stride: 2, padding: 3, bias: false }), new BatchNorm2d(p.sub('bn1'), width(64)))
    let inCh = width(64)
    for (const [i, count] of params.blocks.entries()) {
      const planes = width(64 * 2 ** i)
      const layer: Bottleneck[] = []
      for (let b = 0; b < count; b++) {
        layer.push(new Bottleneck(p.sub(`layer${i + 1}`).sub(b), inCh, planes, b === 0 && i > 0 ? 2 : 1))
        inCh = planes * EXPANSION
      }
      this.layers.push(layer)
    }
    this.fc = new Linear(p.sub('fc'), inCh, params.numClasses)
  }

  /** ImageNet-normalised `[B, H, W, 3]` → logits `[B, numClasses]`. */
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor2D {
    let h = maxPool2d(tf.relu(this.stem.forward(w, x)), 3, 2, 1)
    for (const layer of this.layers) for (const block of layer) h = block.forward(w, h)
    return this.fc.forward(w, globalAvgPool(h))
  }
}

/**
 * The reference's PerceptualLoss input: `[B, 3, H, W]` in [−1, 1] → [0, 1] → `Resize(inputPx, antialias=True)`
 * (bilinear, align_corners=False) → ImageNet mean/std → NHWC.
 */
export function imagenetInput(x: tf.Tensor4D, inputPx = RESNET_INPUT_PX): tf.Tensor4D {
  const resized = resizeBilinear(tf.div(tf.add(x, 1), 2) as tf.Tensor4D, inputPx, inputPx, true)
  const nhwc = tf.transpose(resized, [0, 2, 3, 1])
  return tf.div(tf.sub(nhwc, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD)) as tf.Tensor4D
}
