// LPIPS-VGG (nets/lpips.ts `LPIPS.distance`, losses/perceptual-nets.ts `LpipsVggLoss`) as a traced subgraph:
// ScalingLayer → VGG16 features (3×3 convs + ReLU, 2×2 max pools between stages) → five taps, each unit-normalised,
// squared difference weighted by its `lin` head, summed over channels, spatial mean → summed → batch mean.
import { SCALE, SHIFT, type LPIPS } from '../../nets/lpips'
import { VGG16Features } from '../../nets/vgg16'
import type { Sym } from '../trace-ops'
import { maxPool2d, relu, torchPads } from './conv-ops'
import { channelConstant, convLayer, tapDifference, weightValues, weightConstant, type ConvConstants, type PerceptualNetGraph } from './net-graph'
import type { GradOps } from './tape-ops'

export function lpipsGraph(lpips: LPIPS): PerceptualNetGraph {
  const { backbone } = lpips
  if (!(backbone instanceof VGG16Features)) throw new Error('only LPIPS-VGG has an ONNX graph form (LPIPS-AlexNet is a metric, not a loss)')
  const w = lpips.loaded()
  const stages: ConvConstants[][] = backbone.stages.map((convs) => convs.map((conv) => ({
    filter: weightValues(w.get(conv.weight)),
    shape: conv.weight.shape as [number, number, number, number],
    bias: weightValues(w.get(conv.bias!)),
    spec: { stride: conv.stride, pads: torchPads(conv.padding), group: 1 },
  })))
  const lins = lpips.lins.map((ref) => weightValues(w.get(ref))) // [C] each
  return { name: 'lpips-vgg', distance: (o, x, y) => lpipsDistance(o, stages, lins, x, y) }
}

function lpipsDistance(o: GradOps, stages: ConvConstants[][], lins: Float32Array[], x: Sym, y: Sym): Sym {
  const [fx, fy] = [vggTaps(o, stages, x), vggTaps(o, stages, y)]
  const terms = lins.map((lin, k) => o.reduceMean(tapDifference(o, fx[k]!, fy[k]!, weightConstant(o, lin, [1, lin.length, 1, 1])), [1, 2])) // [B]
  return o.reduceMean(terms.reduce((a, b) => o.add(a, b)), [])
}

/** ScalingLayer → VGG16 features: the five ReLU taps of [B, 3, H, W]. */
function vggTaps(o: GradOps, stages: ConvConstants[][], x: Sym): Sym[] {
  const taps: Sym[] = []
  let h = o.mul(o.sub(x, channelConstant(o, SHIFT)), channelConstant(o, SCALE.map((s) => 1 / s)))
  for (const [s, convs] of stages.entries()) {
    if (s > 0) h = maxPool2d(o, h, 2, 2)
    for (const conv of convs) h = relu(o, convLayer(o, h, conv))
    taps.push(h)
  }
  return taps
}
