// LPIPS-VGG (nets/lpips.ts `LPIPS.distance`, losses/perceptual-nets.ts `LpipsVggLoss`) as a traced subgraph:
// ScalingLayer → VGG16 features (3×3 convs + ReLU, 2×2 max pools between stages) → five taps, each unit-normalised,
// squared difference weighted by its `lin` head, summed over channels, spatial mean → summed → batch mean.
import { SCALE, SHIFT, type LPIPS } from '../../nets/lpips'
import { VGG16Features } from '../../nets/vgg16'
import type { Sym } from '../trace-ops'
import { maxPool2d, relu, torchPads } from './conv-ops'
import { channelConstant, convLayer, tapDifference, values, type ConvConstants, type PerceptualNetGraph } from './net-graph'
import type { GradOps } from './tape-ops'

export function lpipsGraph(lpips: LPIPS): PerceptualNetGraph {
  const { backbone } = lpips
  if (!(backbone instanceof VGG16Features)) throw new Error('only LPIPS-VGG has an ONNX graph form (LPIPS-AlexNet is a metric, not a loss)')
  const w = lpips.loaded()
  const stages: ConvConstants[][] = backbone.stages.map((convs) => convs.map((conv) => ({
    filter: values(w.get(conv.weight)),
    shape: conv.weight.shape as [number, number, number, number],
    bias: values(w.get(conv.bias!)),
    spec: { stride: conv.stride, pads: torchPads(conv.padding), group: 1 },
  })))
  const lins = lpips.lins.map((ref) => values(w.get(ref))) // [C] each
  return { name: 'lpips-vgg', distance: (o, x, y) => lpipsDistance(o, stages, lins, x, y) }
}

function lpipsDistance(o: GradOps, stages: ConvConstants[][], lins: Float32Array[], x: Sym, y: Sym): Sym {
  const scaled = o.mul(o.sub(o.concat([x, y], 0), channelConstant(o, SHIFT)), channelConstant(o, SCALE.map((s) => 1 / s))) // [2B, 3, H, W]
  const terms: Sym[] = []
  let h = scaled
  for (const [s, convs] of stages.entries()) {
    if (s > 0) h = maxPool2d(o, h, 2, 2)
    for (const conv of convs) h = relu(o, convLayer(o, h, conv))
    terms.push(o.reduceMean(tapDifference(o, h, channelConstant(o, lins[s]!)), [1, 2])) // [B]
  }
  return o.reduceMean(terms.reduce((a, b) => o.add(a, b)), [])
}
