// The Stage-1B perceptual term (losses/perceptual-nets.ts `ResNetLogitsLoss`) as a traced subgraph: imagenetInput
// ([−1, 1] → [0, 1], antialiased bilinear resize, ImageNet mean/std) → ResNet-50 (nets/resnet50.ts, every eval-mode
// BatchNorm folded into its conv as there) → fc logits of x and y → mean squared difference.
import type { ResNetLogitsLoss } from '../../losses/perceptual-nets'
import type { NetWeights } from '../../nets/layers'
import { IMAGENET_MEAN, IMAGENET_STD, type Bottleneck } from '../../nets/resnet50'
import type { Sym } from '../trace-ops'
import { maxPool2d, relu, resizeBilinear, torchPads } from './conv-ops'
import { channelConstant, convLayer, weightValues, weightConstant, type ConvConstants, type PerceptualNetGraph } from './net-graph'
import type { GradOps } from './tape-ops'

type ConvBnLike = Bottleneck['convBn1']

interface BlockConstants {
  readonly convs: [ConvConstants, ConvConstants, ConvConstants]
  readonly downsample: ConvConstants | null
}

interface ResNetConstants {
  readonly inputPx: number
  readonly stem: ConvConstants
  readonly blocks: BlockConstants[]
  readonly fc: { weight: Float32Array; shape: [number, number]; bias: Float32Array }
}

export function resnetLogitsGraph(loss: ResNetLogitsLoss): PerceptualNetGraph {
  const { net, weights: w } = loss
  const fcShape = net.fc.weight.shape as [number, number]
  const c: ResNetConstants = {
    inputPx: loss.inputPx,
    stem: folded(w, net.stem),
    blocks: net.layers.flat().map((b) => ({
      convs: [folded(w, b.convBn1), folded(w, b.convBn2), folded(w, b.convBn3)],
      downsample: b.downsample ? folded(w, b.downsample) : null,
    })),
    fc: { weight: weightValues(w.get(net.fc.weight)), shape: fcShape, bias: weightValues(w.get(net.fc.bias)) },
  }
  return { name: 'resnet50', distance: (o, x, y) => logitsMse(o, c, x, y) }
}

/** BN(conv(x)) = conv(x; w·γ/σ) + (b − μ)·γ/σ + β with σ = √(var + eps), as nets/layers.ts `Conv2d.foldedParams`. */
function folded(w: NetWeights, { conv, bn }: ConvBnLike): ConvConstants {
  const [gamma, beta, mean, variance] = [bn.weight, bn.bias, bn.runningMean, bn.runningVar].map((r) => weightValues(w.get(r)))
  const scale = gamma!.map((g, i) => g / Math.sqrt(variance![i]! + bn.eps))
  const filter = weightValues(w.get(conv.weight))
  const perOut = filter.length / scale.length
  for (let i = 0; i < filter.length; i++) filter[i]! *= scale[Math.floor(i / perOut)]!
  const convBias = conv.bias ? weightValues(w.get(conv.bias)) : new Float32Array(scale.length)
  const bias = scale.map((s, i) => (convBias[i]! - mean![i]!) * s + beta![i]!)
  return { filter, shape: conv.weight.shape as [number, number, number, number], bias, spec: { stride: conv.stride, pads: torchPads(conv.padding), group: 1 } }
}

function logitsMse(o: GradOps, c: ResNetConstants, x: Sym, y: Sym): Sym {
  const logits = (v: Sym) => resnetForward(o, c, imagenetInput(o, v, c.inputPx)) // [B, classes]
  const d = o.sub(logits(x), logits(y))
  return o.reduceMean(o.mul(d, d), [])
}

/** nets/resnet50.ts `imagenetInput`, staying NCHW. */
function imagenetInput(o: GradOps, x: Sym, inputPx: number): Sym {
  const unit = o.scale(o.addScalar(x, 1), 0.5) // [0, 1]
  const resized = resizeBilinear(o, unit, inputPx, inputPx, true)
  return o.mul(o.sub(resized, channelConstant(o, IMAGENET_MEAN)), channelConstant(o, IMAGENET_STD.map((s) => 1 / s)))
}

function resnetForward(o: GradOps, c: ResNetConstants, x: Sym): Sym {
  let h = maxPool2d(o, relu(o, convLayer(o, x, c.stem)), 3, 2, 1)
  for (const b of c.blocks) {
    let out = relu(o, convLayer(o, h, b.convs[0]))
    out = relu(o, convLayer(o, out, b.convs[1]))
    out = convLayer(o, out, b.convs[2])
    h = relu(o, o.add(out, b.downsample ? convLayer(o, h, b.downsample) : h))
  }
  const pooled = o.reduceMean(h, [2, 3]) // [B, C]
  return o.linear(pooled, weightConstant(o, c.fc.weight, c.fc.shape), weightConstant(o, c.fc.bias, [c.fc.bias.length]))
}
