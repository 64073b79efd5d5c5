// The Stage-1B chain's graphs (reference `reconstruct_checkpoint`, spec §3.3), for segment recomputation: the k
// decoder calls run as k forward sessions keeping only the states z_j, then k vector-Jacobian sessions in reverse,
// each recomputing its own call's activations. (Recomputed nodes inside one graph would be merged again by
// onnxruntime's common-subexpression elimination, so each call is a session run of its own.)
//   encode:   x [B,3,S,S], frozen [F] → code_pre [B,L,C], code_in [B,L,C+1] (the chain's code: quantised, no dropout)
//   velocity: z [B,3,S,S], t, dt [B], code_in, params [P] → z_next = z − dt·v(z, t)
//   vjp:      the same + g_next [B,3,S,S], grad_in [P] → g_z = ∂⟨z_next, g_next⟩/∂z, grad = grad_in + ∂⟨z_next, g_next⟩/∂θ
import { codeInput, FlowMo } from '../../model/flowmo'
import type { FlowMoConfig } from '../../model/configs'
import { OnnxGraph } from '../onnx-graph'
import type { ModelDef } from '../onnx-proto'
import type { Sym } from '../trace-ops'
import { Emitter } from './emit'
import { FlatLayout } from './flat-state'
import { quantizeSTE } from './stage1a-graph'
import { GradOps } from './tape-ops'

/** The frozen encoder's forward; `layout` holds the encoder parameters it reads (input `frozen`). */
export function buildEncodeGraph(config: FlowMoConfig, batch: number): { model: ModelDef; layout: FlatLayout } {
  const flowmo = new FlowMo(config)
  const probe = new GradOps(new Emitter(new OnnxGraph('probe')))
  const S = config.imageSize
  flowmo.encode(probe, probe.input('x', [batch, 3, S, S]))
  const layout = new FlatLayout(flowmo.parameters().filter((p) => probe.params.has(p.name)))
  const e = new Emitter(new OnnxGraph('flowmo_stage1b_encode'))
  const flat = { name: e.graph.addInput('frozen', [layout.size]), shape: [layout.size] }
  const o = new GradOps(e, (ref) => layout.read(e, flat, ref.name), () => false)
  const codePre = flowmo.encode(o, o.input('x', [batch, 3, S, S]))
  e.identity(codePre, 'code_pre')
  e.identity(codeInput(o, quantizeSTE(o, config.quantizer, codePre)), 'code_in')
  return { model: e.graph.toModel(), layout }
}

/**
 * One chain step z − dt·v(z, code, t) on the decoder parameters of `layout` (the step graph's trained layout); with
 * `vjp`, its vector-Jacobian product instead, added to the gradient accumulator.
 */
export function buildVelocityGraph(config: FlowMoConfig, layout: FlatLayout, batch: number, vjp: boolean): ModelDef {
  const flowmo = new FlowMo(config)
  const [B, S] = [batch, config.imageSize]
  const e = new Emitter(new OnnxGraph(vjp ? 'flowmo_stage1b_velocity_vjp' : 'flowmo_stage1b_velocity'))
  const flat = { name: e.graph.addInput('params', [layout.size]), shape: [layout.size] }
  const o = new GradOps(e, (ref) => layout.read(e, flat, ref.name))
  const z = o.input('z', [B, 3, S, S])
  const t = o.input('t', [B])
  const dt = o.reshape(o.input('dt', [B]), [B, 1, 1, 1])
  const codeIn = o.input('code_in', [B, config.codeLength, config.contextDim + 1])
  if (vjp) o.tape.markLeaf(z)
  const next = o.sub(z, o.mul(dt, flowmo.decode(o, z, codeIn, t)))
  if (!vjp) {
    e.identity(next, 'z_next')
    return e.graph.toModel()
  }
  const grads = o.tape.backward(e, next, o.input('g_next', [B, 3, S, S]))
  e.identity(grads.get(z.name)!, 'g_z')
  const own: Sym = layout.concat(e, (name) => {
    const p = o.params.get(name)
    return p && grads.get(p.name)
  })
  e.binary('Add', o.input('grad_in', [layout.size]), own, 'grad')
  return e.graph.toModel()
}
