// pytorch-fid's FID InceptionV3 (pytorch_fid/inception.py `fid_inception_v3` + `InceptionV3` with the pool3
// block): 299×299 bilinear resize (align_corners=False, no antialias) of [0, 1] images, ×2 − 1, stem, Mixed_5b
// … Mixed_7c, global average pool → 2048-d features. Keys as in `pt_inception-2015-12-05-6726825d.pth`.
import * as tf from '@tensorflow/tfjs-core'
import type { Params } from '../model/params'
import { globalAvgPool, maxPool2d } from './pool'
import { BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE } from './inception-blocks'
import { scaledWidth, type NetWeights } from './layers'
import { resizeBilinear } from './resize'

export const FID_INPUT_PX = 299

export class FIDInceptionV3 {
  readonly stem: BasicConv2d[]
  readonly mixed: (InceptionA | InceptionB | InceptionC | InceptionD | InceptionE)[]
  readonly featureDim: number // 2048 for the real network
  constructor(p: Params, readonly widthDivisor = 1, readonly inputPx = FID_INPUT_PX) {
    const c = (w: number) => scaledWidth(w, widthDivisor)
    this.stem = [
      new BasicConv2d(p.sub('Conv2d_1a_3x3'), 3, c(32), 3, { stride: 2 }),
      new BasicConv2d(p.sub('Conv2d_2a_3x3'), c(32), c(32), 3),
      new BasicConv2d(p.sub('Conv2d_2b_3x3'), c(32), c(64), 3, { padding: 1 }),
      new BasicConv2d(p.sub('Conv2d_3b_1x1'), c(64), c(80), 1),
      new BasicConv2d(p.sub('Conv2d_4a_3x3'), c(80), c(192), 3),
    ]
    const m5b = new InceptionA(p.sub('Mixed_5b'), c(192), c(32), c)
    const m5c = new InceptionA(p.sub('Mixed_5c'), m5b.outCh, c(64), c)
    const m5d = new InceptionA(p.sub('Mixed_5d'), m5c.outCh, c(64), c)
    const m6a = new InceptionB(p.sub('Mixed_6a'), m5d.outCh, c)
    const m6b = new InceptionC(p.sub('Mixed_6b'), m6a.outCh, c(128), c)
    const m6c = new InceptionC(p.sub('Mixed_6c'), m6b.outCh, c(160), c)
    const m6d = new InceptionC(p.sub('Mixed_6d'), m6c.outCh, c(160), c)
    const m6e = new InceptionC(p.sub('Mixed_6e'), m6d.outCh, c(192), c)
    const m7a = new InceptionD(p.sub('Mixed_7a'), m6e.outCh, c)
    const m7b = new InceptionE(p.sub('Mixed_7b'), m7a.outCh, 'avg', c)
    const m7c = new InceptionE(p.sub('Mixed_7c'), m7b.outCh, 'max', c)
    this.mixed = [m5b, m5c, m5d, m6a, m6b, m6c, m6d, m6e, m7a, m7b, m7c]
    this.featureDim = m7c.outCh
  }

  /** `[B, 3, H, W]` images in [0, 1] → pool3 features `[B, featureDim]`. */
  features(w: NetWeights, images: tf.Tensor4D): tf.Tensor2D {
    return globalAvgPool(this.blocks(w, this.input(images)))
  }

  /** `[B, 3, H, W]` in [0, 1] → the 299 px NHWC input in [−1, 1] that `blocks` reads. */
  input(images: tf.Tensor4D): tf.Tensor4D {
    const resized = resizeBilinear(images, this.inputPx, this.inputPx, false) // [B, 3, 299, 299]
    return tf.sub(tf.mul(tf.transpose(resized, [0, 2, 3, 1]), 2), 1) as tf.Tensor4D
  }

  /** Blocks 0–3 of pytorch-fid's `InceptionV3` (max pools after Conv2d_2b and Conv2d_4a) on `[B, H, W, 3]`; `tap` sees each mixed block's input. */
  blocks(w: NetWeights, x: tf.Tensor4D, tap?: (mixedIndex: number, input: tf.Tensor4D) => void): tf.Tensor4D {
    let h = x
    for (const [i, conv] of this.stem.entries()) {
      h = conv.forward(w, h)
      if (i === 2 || i === 4) h = maxPool2d(h, 3, 2)
    }
    for (const [i, block] of this.mixed.entries()) {
      tap?.(i, h)
      h = block.forward(w, h)
    }
    return h
  }
}
