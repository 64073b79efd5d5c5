// LPIPS v0.1 (Zhang et al. 2018; lpips/lpips.py `LPIPS` with lpips=True, spatial=False): ScalingLayer →
// VGG16 or AlexNet ReLU taps → unit-normalised channels → squared difference → 1×1 `lin` head → spatial
// mean → sum over taps. Backbone from torchvision's file, heads (`linK.model.1.weight`) from the lpips package's.
import * as tf from '@tensorflow/tfjs-core'
import { Params } from '../model/params'
import type { ParamRef } from '../model/ops'
import { AlexNetFeatures } from './alexnet'
import { NetWeights } from './layers'
import { readStateDict, type NetFileInfo } from './load'
import { VGG16Features } from './vgg16'
import { locateWeightFile, type WeightFileId } from './weight-files'

export type LpipsNet = 'vgg' | 'alex'

/** lpips `ScalingLayer`: `(x − shift) / scale` on [−1, 1] inputs. */
export const SHIFT = [-0.03, -0.088, -0.188]
export const SCALE = [0.458, 0.448, 0.45]
const NORM_EPS = 1e-10 // lpips `normalize_tensor`

const files: Record<LpipsNet, { backbone: WeightFileId; heads: WeightFileId }> = {
  vgg: { backbone: 'vgg16', heads: 'lpipsVgg' },
  alex: { backbone: 'alexnet', heads: 'lpipsAlex' },
}

export interface LpipsLoadOptions {
  weightsDir?: string
  verifyHash?: boolean // default true: the torchvision file's content must match the hash in its name
  widthDivisor?: number // 1 for the real network; small test networks use more
}

export class LPIPS {
  readonly backbone: VGG16Features | AlexNetFeatures
  readonly lins: ParamRef[] // lin0 … lin4: `[1, C, 1, 1]`, no bias (Dropout, Conv2d(C, 1, 1, bias=False))
  readonly backboneParams = Params.root()
  readonly headParams = Params.root()
  private weights: NetWeights | null = null
  files: NetFileInfo[] = []

  constructor(readonly net: LpipsNet, widthDivisor = 1) {
    this.backbone = net === 'vgg' ? new VGG16Features(this.backboneParams, widthDivisor) : new AlexNetFeatures(this.backboneParams, widthDivisor)
    this.lins = this.backbone.tapChannels.map((c, k) => this.headParams.sub(`lin${k}`).sub('model').sub(1).declare('weight', [1, c, 1, 1]))
  }

  /** Finds both files (a MissingWeightsError says which and where), checks and loads them. */
  static async load(net: LpipsNet, opts: LpipsLoadOptions = {}): Promise<LPIPS> {
    const lpips = new LPIPS(net, opts.widthDivisor)
    const neededFor = `LPIPS-${net === 'vgg' ? 'VGG' : 'AlexNet'}`
    const backbonePath = locateWeightFile(files[net].backbone, neededFor, opts.weightsDir)
    const headsPath = locateWeightFile(files[net].heads, neededFor, opts.weightsDir)
    const backbone = await readStateDict(lpips.backboneParams.all(), backbonePath, { unused: (n) => n.startsWith('classifier.'), verifyHash: opts.verifyHash })
    const heads = await readStateDict(lpips.headParams.all(), headsPath, { verifyHash: opts.verifyHash })
    lpips.weights = new NetWeights(new Map([...backbone.tensors, ...heads.tensors]))
    lpips.files = [backbone.info, heads.info]
    return lpips
  }

  /** Per-image distance `[B]` between two `[B, 3, H, W]` batches in [−1, 1]. */
  distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor1D {
    const w = this.loaded()
    const B = x.shape[0]
    const both = scalingLayer(tf.transpose(tf.concat([x, y], 0), [0, 2, 3, 1]) as tf.Tensor4D) // [2B, H, W, 3]
    const terms = this.backbone.forward(w, both).map((f, k) => {
      const [f0, f1] = tf.split(unitNormalize(f), [B, B], 0) // 2 × [B, h, w, C]
      const lin = w.derived(`${this.lins[k]!.name}:vec`, () => tf.reshape(w.get(this.lins[k]!), [-1]))
      return tf.mean(tf.sum(tf.mul(tf.square(tf.sub(f0, f1)), lin), 3), [1, 2]) // [B]
    })
    return tf.addN(terms) as tf.Tensor1D
  }

  dispose(): void {
    this.weights?.dispose()
    this.weights = null
  }

  /** The loaded weights (backbone and heads, by state-dict key). */
  loaded(): NetWeights {
    if (!this.weights) throw new Error('LPIPS weights are not loaded (use LPIPS.load)')
    return this.weights
  }
}

function scalingLayer(x: tf.Tensor4D): tf.Tensor4D {
  return tf.div(tf.sub(x, tf.tensor1d(SHIFT)), tf.tensor1d(SCALE))
}

/**
 * `x / (‖x‖₂ over channels + eps)`. The norm is taken of max(Σx², 1e-30): identical values (the 1e-15 it
 * can add is far below eps) but a finite gradient where a pixel's features are all zero after a ReLU.
 */
export function unitNormalize(x: tf.Tensor4D): tf.Tensor4D {
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), 3, true), 1e-30))
  return tf.div(x, tf.add(norm, NORM_EPS))
}
