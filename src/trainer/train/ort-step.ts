// A Stage-1A training step on onnxruntime-node: forward, reverse-mode gradients, Adam and the weight-norm
// projection as one session (export/grad/train-graph.ts). Weights and Adam moments stay ort tensors between
// steps as three flat vectors: each step's outputs are the next step's inputs. The perceptual term, when given, is part
// of the graph (its network's weights as constants).
import * as ort from 'onnxruntime-node'
import type { FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { encodeModel } from '../export/onnx-proto'
import type { OrtDevice } from '../export/ort-device'
import { openOrtSession, type OrtSessionOptions } from '../export/ort-session'
import { buildTrainGraph, hasNoiseSync, LOSS_OUTPUTS } from '../export/grad/train-graph'
import type { FlatLayout } from '../export/grad/flat-state'
import type { PerceptualTerm } from '../export/grad/stage1a-graph'
import { ADAM_DEFAULTS, type AdamConfig } from './optim'
import type { FlowDraw } from './step-random'
import { frobeniusOf } from './weight-norm'

export type StepLosses = Record<(typeof LOSS_OUTPUTS)[number], number>

/** One batch: x [B, 3, S, S] in [−1, 1] plus the step's draws (ε, t, CFG keep mask; noise sync for a continuous latent). */
export interface OrtStepBatch extends FlowDraw {
  readonly x: Float32Array
}

/** device: default the selected one (FLOWMO_DEVICE, else auto); webgpu matches cpu (test/trainer/train/ort-step-webgpu.test.ts). */
export interface OrtTrainStepOptions extends OrtSessionOptions {
  readonly batch: number // fixed: the graph has static shapes
  readonly adam?: AdamConfig // default β (0.9, 0.95), ε 1e-8
  /** ‖W₀‖_F of each projected weight; default: measured on the starting weights (a fresh start). */
  readonly norms?: ReadonlyMap<string, number>
  /** Resumed Adam state: moments by parameter name and the steps already taken (default zeros, 0). */
  readonly moments?: { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array>; step: number }
  /** Which parameters train (default all): e.g. `(n) => n.startsWith('decoder.')` once the encoder is frozen. */
  readonly trainable?: (name: string) => boolean
  /** λ·perceptual(x, x̂) in the loss (export/grad/perceptual-graph.ts `perceptualNetGraph` of the run's loss); default none. */
  readonly perceptual?: PerceptualTerm
}

export class OrtTrainStep {
  private steps: number

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly layout: FlatLayout,
    private readonly fixed: { layout: FlatLayout; values: Float32Array }, // read by the loss but not trained
    private readonly state: Record<'params' | 'm' | 'v' | 'norm0', ort.Tensor>, // flat [P] vectors; norm0 [K]
    private readonly unread: Map<string, Float32Array>, // parameters the loss never reads (not updated)
    private readonly config: FlowMoConfig,
    private readonly batch: number,
    steps: number,
    readonly device: OrtDevice, // the execution provider the step runs on
  ) {
    this.steps = steps
  }

  /** Builds the step graph for `config` at a fixed batch and opens its session (seconds for tiny models). */
  static async create(config: FlowMoConfig, weights: ReadonlyMap<string, Float32Array>, options: OrtTrainStepOptions): Promise<OrtTrainStep> {
    const graph = buildTrainGraph(config, { batch: options.batch, adam: options.adam ?? ADAM_DEFAULTS, trainable: options.trainable, perceptual: options.perceptual })
    const { session, device } = await openOrtSession(Buffer.concat(encodeModel(graph.model)), options)
    const { layout } = graph
    for (const { ref, size } of [...layout.entries, ...graph.frozen.entries]) {
      if (weights.get(ref.name)?.length !== size) throw new Error(`weights for ${ref.name} [${ref.shape}] are missing or mis-sized`)
    }
    const norm0 = Float32Array.from(graph.projected, (n) => options.norms?.get(n) ?? frobeniusOf(weights.get(n)!))
    const P = [layout.size]
    const state = {
      params: float(layout.pack((n) => weights.get(n)), P),
      m: float(layout.pack((n) => options.moments?.m.get(n)), P),
      v: float(layout.pack((n) => options.moments?.v.get(n)), P),
      norm0: float(norm0, [norm0.length]),
    }
    const fixed = { layout: graph.frozen, values: graph.frozen.pack((n) => weights.get(n)) }
    const unread = new Map<string, Float32Array>()
    for (const p of new FlowMo(config).parameters()) {
      if (!layout.has(p.name) && !graph.frozen.has(p.name)) unread.set(p.name, Float32Array.from(weights.get(p.name)!))
    }
    return new OrtTrainStep(session, layout, fixed, state, unread, config, options.batch, options.moments?.step ?? 0, device)
  }

  /** Optimiser steps taken so far (the next step uses bias correction for steps + 1). */
  get stepCount(): number {
    return this.steps
  }

  /** One optimiser step on one batch at learning rate `lr`; returns the losses before the update. */
  async step(batch: OrtStepBatch, lr: number): Promise<StepLosses> {
    const B = this.batch
    const S = this.config.imageSize
    const image = [B, 3, S, S]
    const sizes = { x: batch.x.length / (3 * S * S), eps: batch.eps.length / (3 * S * S), t: batch.t.length, keep: batch.keep.length }
    const wrong = Object.entries(sizes).filter(([, n]) => n !== B)
    if (wrong.length) throw new Error(`the step graph is built for batch ${B}; got ${wrong.map(([k, n]) => `${k} for ${n}`).join(', ')}`)
    const feeds: Record<string, ort.Tensor> = {
      ...this.state,
      x: float(batch.x, image), eps: float(batch.eps, image), t: float(batch.t, [B]), keep: float(batch.keep, [B]),
      lr: float(Float32Array.of(lr), []), step: float(Float32Array.of(this.steps + 1), []),
    }
    if (this.state.norm0.dims[0] === 0) delete feeds.norm0 // no projected weight: the graph has no such input
    if (this.fixed.layout.size > 0) feeds.frozen = float(this.fixed.values, [this.fixed.layout.size])
    if (hasNoiseSync(this.config)) Object.assign(feeds, this.syncFeeds(batch))
    const out = await this.session.run(feeds)
    Object.assign(this.state, { params: out.new_params, m: out.new_m, v: out.new_v })
    this.steps += 1
    return Object.fromEntries(LOSS_OUTPUTS.map((n) => [n, (out[n].data as Float32Array)[0]])) as StepLosses
  }

  /** sync_scale [B] = m·τ and eps_z [B, L, C]; a draw without sync (e.g. the MSE phase) syncs nothing. */
  private syncFeeds(batch: OrtStepBatch): Record<'sync_scale' | 'eps_z', ort.Tensor> {
    const { codeLength: L, contextDim: C } = this.config
    const d = batch.sync
    return {
      sync_scale: float(d ? d.tau.map((tau, b) => d.mask[b] * tau) : new Float32Array(this.batch), [this.batch]),
      eps_z: float(d ? d.epsZ : new Float32Array(this.batch * L * C), [this.batch, L, C]),
    }
  }

  /** Every parameter of the model (state-dict order), copied out for a checkpoint. */
  weights(): Map<string, Float32Array> {
    const flat = this.state.params.data as Float32Array
    const out = new Map<string, Float32Array>()
    for (const p of new FlowMo(this.config).parameters()) {
      const unread = this.unread.get(p.name)
      if (unread) out.set(p.name, Float32Array.from(unread))
      else if (this.layout.has(p.name)) out.set(p.name, this.layout.unpack(flat, p.name))
      else out.set(p.name, this.fixed.layout.unpack(this.fixed.values, p.name))
    }
    return out
  }

  /** Adam's moments of the trained parameters (torch's exp_avg / exp_avg_sq), copied out. */
  moments(): { m: Map<string, Float32Array>; v: Map<string, Float32Array>; step: number } {
    const split = (t: ort.Tensor) => new Map(this.layout.entries.map(({ ref }) => [ref.name, this.layout.unpack(t.data as Float32Array, ref.name)]))
    return { m: split(this.state.m), v: split(this.state.v), step: this.steps }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}

function float(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, [...dims])
}
