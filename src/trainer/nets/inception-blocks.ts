// The InceptionV3 blocks of pytorch-fid's FID network (pytorch_fid/inception.py over torchvision inception.py):
// BasicConv2d, InceptionA (FIDInceptionA), B, C (FIDInceptionC), D, E (FIDInceptionE_1 / _2), with the TF
// pooling quirks: A, C and E_1 average-pool without counting padding; E_2 max-pools.
import * as tf from '@tensorflow/tfjs-core'
import type { Params } from '../model/params'
import type { Padding2D } from './conv'
import { avgPool2d, maxPool2d } from './pool'
import { BatchNorm2d, Conv2d, type NetWeights } from './layers'

const BN_EPS = 0.001 // torchvision BasicConv2d

/** Conv (no bias) → BatchNorm(eps 0.001) → ReLU; keys `<name>.conv.weight`, `<name>.bn.*`. */
export class BasicConv2d {
  readonly conv: Conv2d
  readonly bn: BatchNorm2d
  constructor(p: Params, inCh: number, outCh: number, kernel: number | Padding2D, opts: { stride?: number; padding?: number | Padding2D } = {}) {
    this.conv = new Conv2d(p.sub('conv'), inCh, outCh, kernel, { ...opts, bias: false })
    this.bn = new BatchNorm2d(p.sub('bn'), outCh, BN_EPS)
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(this.conv.forward(w, x, this.bn))
  }
}

/** Channel widths are the real network's divided by `d` (1 for the real one). */
type Width = (c: number) => number

const cat = (xs: tf.Tensor4D[]): tf.Tensor4D => tf.concat(xs, 3)
const tfAvgPool = (x: tf.Tensor4D): tf.Tensor4D => avgPool2d(x, 3, 1, 1, false) // count_include_pad=False

export class InceptionA {
  readonly b1x1; readonly b5x5_1; readonly b5x5_2; readonly b3dbl_1; readonly b3dbl_2; readonly b3dbl_3; readonly bPool
  readonly outCh: number
  constructor(p: Params, inCh: number, poolFeatures: number, c: Width) {
    this.b1x1 = new BasicConv2d(p.sub('branch1x1'), inCh, c(64), 1)
    this.b5x5_1 = new BasicConv2d(p.sub('branch5x5_1'), inCh, c(48), 1)
    this.b5x5_2 = new BasicConv2d(p.sub('branch5x5_2'), c(48), c(64), 5, { padding: 2 })
    this.b3dbl_1 = new BasicConv2d(p.sub('branch3x3dbl_1'), inCh, c(64), 1)
    this.b3dbl_2 = new BasicConv2d(p.sub('branch3x3dbl_2'), c(64), c(96), 3, { padding: 1 })
    this.b3dbl_3 = new BasicConv2d(p.sub('branch3x3dbl_3'), c(96), c(96), 3, { padding: 1 })
    this.bPool = new BasicConv2d(p.sub('branch_pool'), inCh, poolFeatures, 1)
    this.outCh = c(64) + c(64) + c(96) + poolFeatures
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    const b5 = this.b5x5_2.forward(w, this.b5x5_1.forward(w, x))
    const b3 = this.b3dbl_3.forward(w, this.b3dbl_2.forward(w, this.b3dbl_1.forward(w, x)))
    return cat([this.b1x1.forward(w, x), b5, b3, this.bPool.forward(w, tfAvgPool(x))])
  }
}

export class InceptionB {
  readonly b3x3; readonly b3dbl_1; readonly b3dbl_2; readonly b3dbl_3
  readonly outCh: number
  constructor(p: Params, inCh: number, c: Width) {
    this.b3x3 = new BasicConv2d(p.sub('branch3x3'), inCh, c(384), 3, { stride: 2 })
    this.b3dbl_1 = new BasicConv2d(p.sub('branch3x3dbl_1'), inCh, c(64), 1)
    this.b3dbl_2 = new BasicConv2d(p.sub('branch3x3dbl_2'), c(64), c(96), 3, { padding: 1 })
    this.b3dbl_3 = new BasicConv2d(p.sub('branch3x3dbl_3'), c(96), c(96), 3, { stride: 2 })
    this.outCh = c(384) + c(96) + inCh
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    const b3 = this.b3dbl_3.forward(w, this.b3dbl_2.forward(w, this.b3dbl_1.forward(w, x)))
    return cat([this.b3x3.forward(w, x), b3, maxPool2d(x, 3, 2)])
  }
}

export class InceptionC {
  readonly b1x1; readonly b7x7: BasicConv2d[]; readonly b7x7dbl: BasicConv2d[]; readonly bPool
  readonly outCh: number
  constructor(p: Params, inCh: number, channels7x7: number, c: Width) {
    const c7 = channels7x7
    const [row, col]: Padding2D[] = [[0, 3], [3, 0]] // paddings of the (1, 7) and (7, 1) kernels
    this.b1x1 = new BasicConv2d(p.sub('branch1x1'), inCh, c(192), 1)
    this.b7x7 = [
      new BasicConv2d(p.sub('branch7x7_1'), inCh, c7, 1),
      new BasicConv2d(p.sub('branch7x7_2'), c7, c7, [1, 7], { padding: row }),
      new BasicConv2d(p.sub('branch7x7_3'), c7, c(192), [7, 1], { padding: col }),
    ]
    this.b7x7dbl = [
      new BasicConv2d(p.sub('branch7x7dbl_1'), inCh, c7, 1),
      new BasicConv2d(p.sub('branch7x7dbl_2'), c7, c7, [7, 1], { padding: col }),
      new BasicConv2d(p.sub('branch7x7dbl_3'), c7, c7, [1, 7], { padding: row }),
      new BasicConv2d(p.sub('branch7x7dbl_4'), c7, c7, [7, 1], { padding: col }),
      new BasicConv2d(p.sub('branch7x7dbl_5'), c7, c(192), [1, 7], { padding: row }),
    ]
    this.bPool = new BasicConv2d(p.sub('branch_pool'), inCh, c(192), 1)
    this.outCh = 4 * c(192)
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    const chain = (convs: BasicConv2d[]) => convs.reduce((h, conv) => conv.forward(w, h), x)
    return cat([this.b1x1.forward(w, x), chain(this.b7x7), chain(this.b7x7dbl), this.bPool.forward(w, tfAvgPool(x))])
  }
}

export class InceptionD {
  readonly b3x3: BasicConv2d[]; readonly b7x7x3: BasicConv2d[]
  readonly outCh: number
  constructor(p: Params, inCh: number, c: Width) {
    this.b3x3 = [
      new BasicConv2d(p.sub('branch3x3_1'), inCh, c(192), 1),
      new BasicConv2d(p.sub('branch3x3_2'), c(192), c(320), 3, { stride: 2 }),
    ]
    this.b7x7x3 = [
      new BasicConv2d(p.sub('branch7x7x3_1'), inCh, c(192), 1),
      new BasicConv2d(p.sub('branch7x7x3_2'), c(192), c(192), [1, 7], { padding: [0, 3] }),
      new BasicConv2d(p.sub('branch7x7x3_3'), c(192), c(192), [7, 1], { padding: [3, 0] }),
      new BasicConv2d(p.sub('branch7x7x3_4'), c(192), c(192), 3, { stride: 2 }),
    ]
    this.outCh = c(320) + c(192) + inCh
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    const chain = (convs: BasicConv2d[]) => convs.reduce((h, conv) => conv.forward(w, h), x)
    return cat([chain(this.b3x3), chain(this.b7x7x3), maxPool2d(x, 3, 2)])
  }
}

/** FIDInceptionE_1 (`pool: 'avg'`, padding not counted) and FIDInceptionE_2 (`pool: 'max'`). */
export class InceptionE {
  readonly b1x1; readonly b3x3_1; readonly b3x3_2a; readonly b3x3_2b
  readonly b3dbl_1; readonly b3dbl_2; readonly b3dbl_3a; readonly b3dbl_3b; readonly bPool
  readonly outCh: number
  constructor(p: Params, inCh: number, readonly pool: 'avg' | 'max', c: Width) {
    this.b1x1 = new BasicConv2d(p.sub('branch1x1'), inCh, c(320), 1)
    this.b3x3_1 = new BasicConv2d(p.sub('branch3x3_1'), inCh, c(384), 1)
    this.b3x3_2a = new BasicConv2d(p.sub('branch3x3_2a'), c(384), c(384), [1, 3], { padding: [0, 1] })
    this.b3x3_2b = new BasicConv2d(p.sub('branch3x3_2b'), c(384), c(384), [3, 1], { padding: [1, 0] })
    this.b3dbl_1 = new BasicConv2d(p.sub('branch3x3dbl_1'), inCh, c(448), 1)
    this.b3dbl_2 = new BasicConv2d(p.sub('branch3x3dbl_2'), c(448), c(384), 3, { padding: 1 })
    this.b3dbl_3a = new BasicConv2d(p.sub('branch3x3dbl_3a'), c(384), c(384), [1, 3], { padding: [0, 1] })
    this.b3dbl_3b = new BasicConv2d(p.sub('branch3x3dbl_3b'), c(384), c(384), [3, 1], { padding: [1, 0] })
    this.bPool = new BasicConv2d(p.sub('branch_pool'), inCh, c(192), 1)
    this.outCh = c(320) + 4 * c(384) + c(192)
  }
  forward(w: NetWeights, x: tf.Tensor4D): tf.Tensor4D {
    const b3 = this.b3x3_1.forward(w, x)
    const d = this.b3dbl_2.forward(w, this.b3dbl_1.forward(w, x))
    const pooled = this.pool === 'avg' ? tfAvgPool(x) : maxPool2d(x, 3, 1, 1)
    return cat([
      this.b1x1.forward(w, x),
      cat([this.b3x3_2a.forward(w, b3), this.b3x3_2b.forward(w, b3)]),
      cat([this.b3dbl_3a.forward(w, d), this.b3dbl_3b.forward(w, d)]),
      this.bPool.forward(w, pooled),
    ])
  }
}
