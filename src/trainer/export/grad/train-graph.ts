// One Stage-1A training step as a single ONNX graph: the traced forward and loss, its reverse-mode gradient
// graph, Adam and the weight-norm projection. Inputs: x, eps, t, keep, lr, step, every parameter `<name>`,
// its moments `m.<name>`, `v.<name>`, and `norm0.<name>` for projected weights. Outputs: the losses,
// `grad.<name>` (optional), and the new state `new.<name>`, `new_m.<name>`, `new_v.<name>`.
import { FlowMo } from '../../model/flowmo'
import type { FlowMoConfig } from '../../model/configs'
import type { ParamRef } from '../../model/ops'
import { isProjectedWeight } from '../../train/weight-norm'
import { OnnxGraph } from '../onnx-graph'
import type { ModelDef } from '../onnx-proto'
import { adamScalars, adamUpdate, projectWeight, type AdamGraphConfig } from './adam-graph'
import { Emitter } from './emit'
import { stage1aLoss } from './stage1a-graph'
import { GradOps } from './tape-ops'

export const LOSS_OUTPUTS = ['flow_loss', 'quantizer_loss', 'total_loss', 'lfq_per_sample_entropy', 'lfq_codebook_entropy', 'lfq_commitment'] as const

export interface TrainGraphOptions {
  readonly batch: number
  readonly adam: AdamGraphConfig
  readonly update?: boolean // emit Adam + projection (default true)
  readonly gradOutputs?: boolean // also output `grad.<name>` (for validation; default false)
}

export interface TrainGraph {
  readonly model: ModelDef
  readonly trained: readonly ParamRef[] // parameters the loss reads: graph inputs, updated by the step
  readonly projected: readonly string[] // trained weights with a norm0 input
}

export function buildTrainGraph(config: FlowMoConfig, options: TrainGraphOptions): TrainGraph {
  const flowmo = new FlowMo(config)
  const e = new Emitter(new OnnxGraph('flowmo_stage1a_step'))
  const o = new GradOps(e)
  const { batch: B, imageSize: S } = { batch: options.batch, imageSize: config.imageSize }
  const inputs = { x: o.input('x', [B, 3, S, S]), eps: o.input('eps', [B, 3, S, S]), t: o.input('t', [B]), keep: o.input('keep', [B]) }
  const losses = stage1aLoss(o, flowmo, inputs)
  const values = [losses.flow, losses.quantizer, losses.total, losses.perSampleEntropy, losses.codebookEntropy, losses.commitment]
  values.forEach((v, i) => e.identity(v, LOSS_OUTPUTS[i]))
  const grads = o.tape.backward(e, losses.total)
  const trained = flowmo.parameters().filter((p) => o.params.has(p.name))
  const gradOf = (p: ParamRef) => grads.get(p.name) ?? e.fill(p.shape, 0)
  if (options.gradOutputs) for (const p of trained) e.identity(gradOf(p), `grad.${p.name}`)
  const projected = trained.filter((p) => isProjectedWeight(p.name)).map((p) => p.name)
  if (options.update ?? true) {
    const terms = adamScalars(e, { lr: o.input('lr', []), step: o.input('step', []) }, options.adam)
    for (const p of trained) {
      const m = o.input(`m.${p.name}`, p.shape)
      const v = o.input(`v.${p.name}`, p.shape)
      const next = adamUpdate(e, o.params.get(p.name)!, gradOf(p), m, v, terms, options.adam)
      const w = projected.includes(p.name) ? projectWeight(e, next.p, o.input(`norm0.${p.name}`, [])) : next.p
      e.identity(w, `new.${p.name}`)
      e.identity(next.m, `new_m.${p.name}`)
      e.identity(next.v, `new_v.${p.name}`)
    }
  }
  return { model: e.graph.toModel(), trained, projected }
}
