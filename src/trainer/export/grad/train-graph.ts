// One Stage-1A training step as a single ONNX graph: traced forward and loss, reverse-mode gradients, Adam and
// the weight-norm projection, on flat state (flat-state.ts). Inputs: params, m, v [P], norm0 [K], frozen [F] (if
// any), x, eps, t, keep, lr, step, and for a noise-synced continuous latent sync_scale [B] and eps_z [B, L, C];
// grad_in [P] (gradients from elsewhere: earlier accumulation chunks, the Stage-1B chain) and code_pre [B, L, C] (the
// frozen encoder's code, Stage 1B) when asked for. With `perceptual`, the loss adds λ·perceptual(x, x̂) (Stage 1A's
// LPIPS term; the network's weights are graph constants). Outputs: the losses, new_params, new_m, new_v [P], grad [P] (when asked for).
import { FlowMo } from '../../model/flowmo'
import type { FlowMoConfig } from '../../model/configs'
import type { ParamRef } from '../../model/ops'
import { isProjectedWeight } from '../../train/weight-norm'
import { OnnxGraph } from '../onnx-graph'
import type { ModelDef } from '../onnx-proto'
import { adamScalars, adamUpdate, projectFlat, type AdamGraphConfig } from './adam-graph'
import { Emitter } from './emit'
import { FlatLayout } from './flat-state'
import { stage1aLoss, type PerceptualTerm, type Stage1aInputs } from './stage1a-graph'
import { GradOps } from './tape-ops'

export const LOSS_OUTPUTS = ['flow_loss', 'quantizer_loss', 'perceptual_loss', 'total_loss', 'lfq_per_sample_entropy', 'lfq_codebook_entropy', 'lfq_commitment'] as const

export interface TrainGraphOptions {
  readonly batch: number
  readonly adam: AdamGraphConfig
  readonly update?: boolean // emit Adam + projection (default true)
  readonly gradOutputs?: boolean // also output the flat gradient `grad` (default false)
  /** Which parameters train (default all); the others (e.g. a frozen encoder) come in as the flat input `frozen`. */
  readonly trainable?: (name: string) => boolean
  /** Add the input grad_in [P] to the step's gradient before Adam (and before the `grad` output). */
  readonly gradIn?: boolean
  /** The loss's weight in the gradient (1/n for one of n gradient-accumulation chunks; default 1). */
  readonly gradScale?: number
  /** The encoder's code comes in as code_pre [B, L, C] (Stage 1B: the frozen encoder runs once, outside). */
  readonly codePre?: boolean
  /** Stage 1A's λ·perceptual(x, x̂) in the loss (output perceptual_loss; 0 without). */
  readonly perceptual?: PerceptualTerm
}

export interface TrainGraph {
  readonly model: ModelDef
  readonly layout: FlatLayout // the trainable parameters the loss reads, in state-dict order: trained by the step
  readonly frozen: FlatLayout // the other parameters the loss reads (input `frozen` when not empty)
  readonly projected: readonly string[] // trained weights projected after the update, in `norm0` order
}

export function buildTrainGraph(config: FlowMoConfig, options: TrainGraphOptions): TrainGraph {
  const flowmo = new FlowMo(config)
  const trainable = options.trainable ?? (() => true)
  const read = readParams(flowmo, options)
  const layout = new FlatLayout(read.filter((p) => trainable(p.name)))
  const frozen = new FlatLayout(read.filter((p) => !trainable(p.name)))
  const e = new Emitter(new OnnxGraph('flowmo_stage1a_step'))
  const flat = { name: e.graph.addInput('params', [layout.size]), shape: [layout.size] }
  const fixed = frozen.size > 0 ? { name: e.graph.addInput('frozen', [frozen.size]), shape: [frozen.size] } : null
  const source = (ref: ParamRef) => (layout.has(ref.name) ? layout.read(e, flat, ref.name) : frozen.read(e, fixed!, ref.name))
  const o = new GradOps(e, source, (ref) => layout.has(ref.name))
  const losses = stage1aLoss(o, flowmo, lossInputs(o, options, config), options.perceptual ?? null)
  const values = [losses.flow, losses.quantizer, losses.perceptual, losses.total, losses.perSampleEntropy, losses.codebookEntropy, losses.commitment]
  values.forEach((v, i) => e.identity(v, LOSS_OUTPUTS[i]))
  const grads = o.tape.backward(e, losses.total, e.scalar(options.gradScale ?? 1))
  const own = layout.concat(e, (name) => grads.get(o.params.get(name)!.name))
  const grad = options.gradIn ? e.binary('Add', o.input('grad_in', [layout.size]), own) : own
  if (options.gradOutputs) e.identity(grad, 'grad')
  const projected = layout.entries.map((x) => x.ref.name).filter(isProjectedWeight)
  if (options.update ?? true) {
    const P = [layout.size]
    const terms = adamScalars(e, { lr: o.input('lr', []), step: o.input('step', []) }, options.adam)
    const project = projected.length > 0
    const state = { p: flat, g: grad, m: o.input('m', P), v: o.input('v', P) }
    const next = adamUpdate(e, state, terms, options.adam, { p: project ? undefined : 'new_params', m: 'new_m', v: 'new_v' })
    if (project) projectFlat(e, next.p, layout, projected, o.input('norm0', [projected.length]), 'new_params')
  }
  return { model: e.graph.toModel(), layout, frozen, projected }
}

function lossInputs(o: GradOps, options: Pick<TrainGraphOptions, 'batch' | 'codePre'>, c: FlowMoConfig): Stage1aInputs {
  const [B, S] = [options.batch, c.imageSize]
  const inputs = {
    x: o.input('x', [B, 3, S, S]), eps: o.input('eps', [B, 3, S, S]), t: o.input('t', [B]), keep: o.input('keep', [B]),
    ...(options.codePre && { codePre: o.input('code_pre', [B, c.codeLength, c.contextDim]) }),
  }
  if (!hasNoiseSync(c)) return inputs
  return { ...inputs, sync: { scale: o.input('sync_scale', [B]), epsZ: o.input('eps_z', [B, c.codeLength, c.contextDim]) } }
}

/** Whether the step graph takes noise-sync inputs (a continuous latent with p > 0). */
export const hasNoiseSync = (c: FlowMoConfig): boolean => c.quantizer.kind === 'continuous' && c.quantizer.noiseSync > 0

/** The parameters the Stage-1A loss reads (found by a throwaway trace), in state-dict order. */
function readParams(flowmo: FlowMo, options: Pick<TrainGraphOptions, 'batch' | 'codePre'>) {
  const o = new GradOps(new Emitter(new OnnxGraph('probe')))
  stage1aLoss(o, flowmo, lossInputs(o, options, flowmo.config))
  return flowmo.parameters().filter((p) => o.params.has(p.name))
}
