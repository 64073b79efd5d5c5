// The offline perceptual proxy (losses/perceptual-nets.ts `ProxyPerceptualLoss`) as a traced subgraph: the Keras
// MobileNetV2 of nets/mobilenet-v2-proxy.ts interpreted layer by layer as nets/keras-graph.ts runs it (NCHW here,
// each BatchNormalization folded into the conv before it), then LPIPS's baseline form on the PROXY_TAPS.
import { PROXY_MIN_SIZE_PX } from '../../losses/perceptual'
import { samePadding, type KerasGraph, type KerasLayer, type LayerConfig } from '../../nets/keras-graph'
import { PROXY_NETWORK, PROXY_TAPS } from '../../nets/mobilenet-v2-proxy'
import type { Sym } from '../trace-ops'
import { pad2d, relu, relu6, type Pads2D } from './conv-ops'
import { convLayer, tapDifference, weightValues, type ConvConstants, type PerceptualNetGraph } from './net-graph'
import type { GradOps } from './tape-ops'

export function proxyGraph(graph: KerasGraph): PerceptualNetGraph {
  const last = Math.max(...PROXY_TAPS.map((t) => graph.layers.findIndex((l) => l.name === t)))
  const layers = graph.layers.slice(0, last + 1)
  const folds = foldableBatchNorms(layers)
  return {
    name: 'proxy',
    distance: (o, x, y) => {
      const S = x.shape[2]
      if (S < PROXY_MIN_SIZE_PX) throw new Error(`the proxy network (${PROXY_NETWORK}) needs images of at least ${PROXY_MIN_SIZE_PX} px a side, got ${S}×${S}`)
      const convs = new Map<string, ConvConstants>() // each conv's constants, made once for both runs
      const [fx, fy] = [x, y].map((v) => runLayers(o, graph, layers, folds, convs, v))
      const terms = fx!.map((f, k) => o.reduceMean(tapDifference(o, f, fy![k]!, null), [])) // spatial and batch mean of the channel sum
      return terms.reduce((a, b) => o.add(a, b))
    },
  }
}

/** conv name → the BatchNormalization that alone reads it (folded into the conv's constants). */
function foldableBatchNorms(layers: readonly KerasLayer[]): Map<string, KerasLayer> {
  const readers = new Map<string, KerasLayer[]>()
  for (const l of layers) for (const [name] of l.inbound_nodes[0] ?? []) readers.set(name, [...(readers.get(name) ?? []), l])
  const folds = new Map<string, KerasLayer>()
  for (const l of layers) {
    const only = readers.get(l.name)
    if ((l.class_name === 'Conv2D' || l.class_name === 'DepthwiseConv2D') && only?.length === 1 && only[0]!.class_name === 'BatchNormalization') folds.set(l.name, only[0]!)
  }
  return folds
}

/** x [B, 3, S, S] → the PROXY_TAPS outputs, NCHW. */
function runLayers(
  o: GradOps, graph: KerasGraph, layers: readonly KerasLayer[], folds: Map<string, KerasLayer>, convs: Map<string, ConvConstants>, x: Sym,
): Sym[] {
  const folded = new Set([...folds.values()].map((l) => l.name))
  const outputs = new Map<string, Sym>()
  for (const layer of layers) {
    const inputs = (layer.inbound_nodes[0] ?? []).map(([name]) => outputs.get(name)!)
    outputs.set(layer.name, folded.has(layer.name) ? inputs[0]! : apply(o, graph, layer, folds.get(layer.name) ?? null, convs, inputs, x))
  }
  return PROXY_TAPS.map((t) => outputs.get(t)!)
}

function apply(o: GradOps, graph: KerasGraph, layer: KerasLayer, bn: KerasLayer | null, convs: Map<string, ConvConstants>, inputs: Sym[], image: Sym): Sym {
  const c = layer.config as LayerConfig
  switch (layer.class_name) {
    case 'InputLayer':
      return image
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = c.padding as number[][] as [[number, number], [number, number]]
      return pad2d(o, inputs[0]!, { top, bottom, left, right })
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      let c = convs.get(layer.name)
      if (!c) convs.set(layer.name, (c = kerasConv(graph, layer, bn, inputs[0]!.shape)))
      return convLayer(o, inputs[0]!, c)
    }
    case 'ReLU':
      if (c.negative_slope || c.threshold) throw new Error(`${layer.name}: leaky/thresholded ReLU is not supported`)
      if (c.max_value == null) return relu(o, inputs[0]!)
      if (c.max_value !== 6) throw new Error(`${layer.name}: ReLU(max_value=${c.max_value}) is not supported (only 6)`)
      return relu6(o, inputs[0]!)
    case 'Add':
      return inputs.reduce((a, b) => o.add(a, b))
    default:
      throw new Error(`the proxy graph does not support the Keras layer ${layer.class_name} (${layer.name})`)
  }
}

/** A Keras conv's constants in ONNX layout: Conv2D [kh, kw, in, out] → [out, in, kh, kw]; depthwise [kh, kw, C, 1] → [C, 1, kh, kw]. */
function kerasConv(graph: KerasGraph, layer: KerasLayer, bn: KerasLayer | null, inShape: readonly number[]): ConvConstants {
  const c = layer.config as LayerConfig
  const depthwise = layer.class_name === 'DepthwiseConv2D'
  const kernel = graph.weight(`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`)
  const [kh, kw, inCh, mult] = kernel.shape as [number, number, number, number]
  const outCh = depthwise ? inCh * mult : mult
  const hwio = weightValues(kernel)
  const filter = new Float32Array(hwio.length)
  const perOut = depthwise ? 1 : inCh
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < inCh; ci++) for (let m = 0; m < mult; m++) {
    const [out, inIdx] = depthwise ? [ci * mult + m, 0] : [m, ci]
    filter[((out * perOut + inIdx) * kh + i) * kw + j] = hwio[((i * kw + j) * inCh + ci) * mult + m]!
  }
  const bias = c.use_bias ? weightValues(graph.weight(`${layer.name}/bias`)) : new Float32Array(outCh)
  const s = c.strides![0]!
  const pads: Pads2D = c.padding === 'same' ? fromPairs(samePadding(inShape[2]!, s, kh), samePadding(inShape[3]!, s, kw)) : fromPairs([0, 0], [0, 0])
  if (bn) foldBatchNorm(graph, bn, filter, bias)
  return { filter, shape: [outCh, depthwise ? 1 : inCh, kh, kw], bias, spec: { stride: s, pads, group: depthwise ? inCh : 1 } }
}

/** Keras BN (x − mean)·γ/√(var + ε) + β after a conv: scales the filter rows and rewrites the bias, in place. */
function foldBatchNorm(graph: KerasGraph, bn: KerasLayer, filter: Float32Array, bias: Float32Array): void {
  const w = (s: string) => weightValues(graph.weight(`${bn.name}/${s}`))
  const [gamma, beta, mean, variance] = [w('gamma'), w('beta'), w('moving_mean'), w('moving_variance')]
  const eps = (bn.config as LayerConfig).epsilon ?? 1e-3
  const perOut = filter.length / bias.length
  for (let k = 0; k < bias.length; k++) {
    const scale = gamma[k]! / Math.sqrt(variance[k]! + eps)
    for (let i = k * perOut; i < (k + 1) * perOut; i++) filter[i]! *= scale
    bias[k] = (bias[k]! - mean[k]!) * scale + beta[k]!
  }
}

const fromPairs = ([top, bottom]: readonly number[], [left, right]: readonly number[]): Pads2D => ({ top: top!, bottom: bottom!, left: left!, right: right! })
