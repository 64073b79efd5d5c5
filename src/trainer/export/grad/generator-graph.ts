// One Stage-2 generator (MaskGiT) training step as a single ONNX graph, the way train-graph.ts builds Stage 1A: the
// ImageBert forward (stage2/maskgit.ts) traced through GradOps, TiTok's MLM loss, reverse-mode gradients, clipping at
// a global norm and AdamW with decay on matrices only, on flat state. Inputs: params, m, v [P], bits [B, T, C],
// class_onehot [B, 1, K+1], target [N, V] and masked [N] (N = B·T·F), lr, step. Outputs: loss, correct, grad_norm
// (before clipping), new_params, new_m, new_v.
import { ImageBert, type MaskGitParams } from '../../stage2/maskgit'
import { OnnxGraph, attr } from '../onnx-graph'
import type { ModelDef } from '../onnx-proto'
import type { Sym } from '../trace-ops'
import { adamScalars, adamUpdate, type AdamGraphConfig } from './adam-graph'
import { Emitter } from './emit'
import { FlatLayout } from './flat-state'
import { GradOps } from './tape-ops'

export interface GeneratorGraphOptions {
  readonly batch: number // fixed: the graph has static shapes
  readonly adam: AdamGraphConfig // β (0.9, 0.96), ε 1e-8
  readonly weightDecay: number // 0.03, decoupled (torch AdamW), on the parameters `decays` names
  readonly decays: (name: string, shape: readonly number[]) => boolean
  readonly clipNorm: number // 1.0
}

export interface GeneratorGraph {
  readonly model: ModelDef
  readonly layout: FlatLayout // every parameter, in state-dict order
}

export function buildGeneratorGraph(params: MaskGitParams, options: GeneratorGraphOptions): GeneratorGraph {
  const bert = new ImageBert(params)
  const layout = new FlatLayout(bert.parameters())
  const e = new Emitter(new OnnxGraph('maskgit_step'))
  const P = [layout.size]
  const flat = { name: e.graph.addInput('params', P), shape: P }
  const o = new GradOps(e, (ref) => layout.read(e, flat, ref.name))
  const { positions: T, bitsPerToken: C, subTokens: F, vocabulary: V, classes: K } = params
  const B = options.batch
  const N = B * T * F
  // MLM loss: target = w/Σw·((1 − ε)·onehot + ε/V) per sub-token (generator-loss.ts mlmTargets), so Σ w·CE / Σ w = −Σ target ⊙ log p
  const logits = bert.forward(o, o.input('bits', [B, T, C]), o.input('class_onehot', [B, 1, K + 1])) // [B, T, F·V]
  const logp = o.logSoftmax(o.reshape(logits, [N, V]))
  const target = o.input('target', [N, V])
  const loss = o.scale(o.reduceSum(o.mul(logp, target), []), -1)
  e.identity(loss, 'loss')
  e.identity(maskedHits(e, logp, target, o.input('masked', [N])), 'correct')
  // backward, global-norm clipping
  const grads = o.tape.backward(e, loss)
  const grad = layout.concat(e, (name) => grads.get(o.params.get(name)!.name))
  const norm = e.unary('Sqrt', e.reduceSum(e.binary('Mul', grad, grad), [], false))
  e.identity(norm, 'grad_norm')
  const clipped = e.binary('Mul', grad, e.node('Min', [e.scalar(1), e.binary('Div', e.scalar(options.clipNorm), norm)], []))
  // AdamW: p ← p·(1 − lr·wd) on decayed parameters, then Adam
  const lr = o.input('lr', [])
  const wd = layout.pack((name) => {
    const { ref, size } = layout.entry(name)
    return new Float32Array(size).fill(options.decays(name, ref.shape) ? options.weightDecay : 0)
  })
  const decayed = e.binary('Mul', flat, e.binary('Sub', e.scalar(1), e.binary('Mul', lr, e.constant(wd, P))))
  const terms = adamScalars(e, { lr, step: o.input('step', []) }, options.adam)
  adamUpdate(e, { p: decayed, g: clipped, m: o.input('m', P), v: o.input('v', P) }, terms, options.adam, { p: 'new_params', m: 'new_m', v: 'new_v' })
  return { model: e.graph.toModel(), layout }
}

/** Masked sub-tokens whose argmax is the target's (the target's largest entry is its class): a float scalar. */
function maskedHits(e: Emitter, logp: Sym, target: Sym, masked: Sym): Sym {
  const [N] = logp.shape
  const argmax = (x: Sym) => e.node('ArgMax', [x], [N], [attr.int('axis', 1), attr.int('keepdims', 0)])
  const hit = e.node('Cast', [e.node('Equal', [argmax(logp), argmax(target)], [N])], [N], [attr.int('to', 1)])
  return e.reduceSum(e.binary('Mul', hit, masked), [], false)
}
