// torchvision `vgg16().features` (state-dict keys `features.N.weight|bias`) up to relu5_3, returning the five
// ReLU taps LPIPS reads: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 (lpips/pretrained_networks.py `vgg16`).
import * as tf from '@tensorflow/tfjs-core'
import type { Params } from '../model/params'
import { maxPool2d } from './pool'
import { Conv2d, scaledWidth, type NetWeights } from './layers'

/** Convolutions per stage and each stage's width in the real network (cfg "D"). */
const stages = [
  { convs: 2, width: 64 },
  { convs: 2, width: 128 },
  { convs: 3, width: 256 },
  { convs: 3, width: 512 },
  { convs: 3, width: 512 },
] as const

export class VGG16Features {
  readonly stages: Conv2d[][] = []
  readonly tapChannels: number[] // channels of relu1_2 … relu5_3
  constructor(p: Params, widthDivisor = 1) {
    let inCh = 3
    let index = 0 // position in torchvision's `features` Sequential (ReLUs and pools take one index each)
    for (const stage of stages) {
      const outCh = scaledWidth(stage.width, widthDivisor)
      const convs: Conv2d[] = []
      for (let i = 0; i < stage.convs; i++, index += 2) {
        convs.push(new Conv2d(p.sub('features').sub(index), inCh, outCh, 3, { padding: 1 }))
        inCh = outCh
      }
      index += 1 // the max pool closing the stage
      this.stages.push(convs)
    }
    this.tapChannels = stages.map((s) => scaledWidth(s.width, widthDivisor))
  }

  /** `[B, H, W, 3]` → the five taps; the pool between stages is applied before the next stage. */
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D[] {
    const taps: tf.Tensor4D[] = []
    let h = x
    for (const [s, convs] of this.stages.entries()) {
      if (s > 0) h = maxPool2d(h, 2, 2)
      for (const conv of convs) h = tf.relu(conv.forward(w, h))
      taps.push(h)
    }
    return taps
  }
}
