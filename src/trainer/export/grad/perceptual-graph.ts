// The perceptual losses of losses/perceptual-nets.ts as traced ONNX subgraphs: the same networks, with the weights
// the tfjs loss has loaded (the user's files, or the proxy bundled in node_modules) as graph constants. The tape
// differentiates the distance w.r.t. its image inputs (conv-ops.ts: input VJPs only, the networks are frozen).
// Also the graph of the Stage-1B "perceptual gradient" session: (x, y) → λ·distance and ∂(λ·distance)/∂y.
import type { PerceptualLoss } from '../../losses/perceptual'
import { LpipsVggLoss, ProxyPerceptualLoss, ResNetLogitsLoss } from '../../losses/perceptual-nets'
import { OnnxGraph } from '../onnx-graph'
import type { ModelDef } from '../onnx-proto'
import type { Sym } from '../trace-ops'
import { Emitter } from './emit'
import { lpipsGraph } from './lpips-graph'
import type { PerceptualNetGraph } from './net-graph'
import { proxyGraph } from './proxy-graph'
import { resnetLogitsGraph } from './resnet-graph'
import { GradOps } from './tape-ops'

/** The graph form of a loaded tfjs perceptual loss (its weights are copied out once, as constants). */
export function perceptualNetGraph(loss: PerceptualLoss): PerceptualNetGraph {
  if (loss instanceof LpipsVggLoss) return lpipsGraph(loss.lpips)
  if (loss instanceof ResNetLogitsLoss) return resnetLogitsGraph(loss)
  if (loss instanceof ProxyPerceptualLoss) return proxyGraph(loss.graph)
  throw new Error(`the perceptual loss ${loss.name} has no ONNX graph form`)
}

/** The Stage-1B perceptual gradient graph: inputs x, y [B, 3, S, S]; outputs loss = λ·distance(x, y), grad_y. */
export function buildPerceptualGradGraph(net: PerceptualNetGraph, batch: number, imageSizePx: number, weight: number): ModelDef {
  const e = new Emitter(new OnnxGraph(`perceptual_grad_${net.name}`))
  const o = new GradOps(e)
  const shape = [batch, 3, imageSizePx, imageSizePx]
  const [x, y] = [o.input('x', shape), o.input('y', shape)]
  o.tape.markLeaf(y)
  const loss = o.scale(net.distance(o, x, y), weight)
  e.identity(loss, 'loss')
  e.identity(o.tape.backward(e, loss).get(y.name)!, 'grad_y')
  return e.graph.toModel()
}
