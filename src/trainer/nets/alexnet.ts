// torchvision `alexnet().features` (keys `features.{0,3,6,8,10}.weight|bias`), returning the five ReLU taps
// LPIPS-AlexNet reads: relu1 … relu5 (lpips/pretrained_networks.py `alexnet`, slices [0:2] … [10:12]).
import * as tf from '@tensorflow/tfjs-core'
import type { Params } from '../model/params'
import { maxPool2d } from './pool'
import { Conv2d, scaledWidth, type NetWeights } from './layers'

/** Index in `features`, width in the real network, kernel, stride, padding, and whether a max pool precedes it. */
const convs = [
  { index: 0, width: 64, kernel: 11, stride: 4, padding: 2, poolBefore: false },
  { index: 3, width: 192, kernel: 5, stride: 1, padding: 2, poolBefore: true },
  { index: 6, width: 384, kernel: 3, stride: 1, padding: 1, poolBefore: true },
  { index: 8, width: 256, kernel: 3, stride: 1, padding: 1, poolBefore: false },
  { index: 10, width: 256, kernel: 3, stride: 1, padding: 1, poolBefore: false },
] as const

export class AlexNetFeatures {
  readonly convs: Conv2d[] = []
  readonly tapChannels: number[]
  constructor(p: Params, widthDivisor = 1) {
    let inCh = 3
    for (const c of convs) {
      const outCh = scaledWidth(c.width, widthDivisor)
      this.convs.push(new Conv2d(p.sub('features').sub(c.index), inCh, outCh, c.kernel, { stride: c.stride, padding: c.padding }))
      inCh = outCh
    }
    this.tapChannels = convs.map((c) => scaledWidth(c.width, widthDivisor))
  }

  /** `[B, H, W, 3]` → the five ReLU taps (MaxPool2d(3, 2) before conv 2 and conv 3). */
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D[] {
    const taps: tf.Tensor4D[] = []
    let h = x
    for (const [i, conv] of this.convs.entries()) {
      if (convs[i]!.poolBefore) h = maxPool2d(h, 3, 2)
      h = tf.relu(conv.forward(w, h))
      taps.push(h)
    }
    return taps
  }
}
