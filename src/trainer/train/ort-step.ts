// A Stage-1A training step on onnxruntime-node: forward, reverse-mode gradients, Adam and the weight-norm
// projection as one session (export/grad/train-graph.ts). Weights and Adam moments stay ort tensors between
// steps: each step's outputs are the next step's inputs. No perceptual term (λ_perc must be 0 with this engine).
import * as ort from 'onnxruntime-node'
import type { FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { numel } from '../model/params'
import { encodeModel } from '../export/onnx-proto'
import { buildTrainGraph, LOSS_OUTPUTS } from '../export/grad/train-graph'
import { ADAM_DEFAULTS, type AdamConfig } from './optim'
import type { FlowDraw } from './step-random'

export type StepLosses = Record<(typeof LOSS_OUTPUTS)[number], number>

/** One batch: x [B, 3, S, S] in [−1, 1] plus the step's draws (ε, t, CFG keep mask). */
export interface OrtStepBatch extends FlowDraw {
  readonly x: Float32Array
}

export interface OrtTrainStepOptions {
  readonly batch: number // fixed: the graph has static shapes
  readonly adam?: AdamConfig // default β (0.9, 0.95), ε 1e-8
  readonly intraOpNumThreads?: number // 0 (default): every physical core
  /** ‖W₀‖_F of each projected weight; default: measured on the starting weights (a fresh start). */
  readonly norms?: ReadonlyMap<string, number>
  /** Resumed Adam state: moments by parameter name and the steps already taken (default zeros, 0). */
  readonly moments?: { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array>; step: number }
}

export class OrtTrainStep {
  private steps: number

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly state: Map<string, ort.Tensor>, // `<name>`, `m.<name>`, `v.<name>`, `norm0.<name>`
    private readonly frozen: Map<string, Float32Array>, // parameters the loss never reads (not updated)
    private readonly trained: readonly string[],
    private readonly config: FlowMoConfig,
    private readonly batch: number,
    steps: number,
  ) {
    this.steps = steps
  }

  /** Builds the step graph for `config` at a fixed batch and opens its session (seconds for tiny models). */
  static async create(config: FlowMoConfig, weights: ReadonlyMap<string, Float32Array>, options: OrtTrainStepOptions): Promise<OrtTrainStep> {
    const adam = options.adam ?? ADAM_DEFAULTS
    const graph = buildTrainGraph(config, { batch: options.batch, adam })
    const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(graph.model)), {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.intraOpNumThreads ?? 0,
    })
    const state = new Map<string, ort.Tensor>()
    const tensor = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, [...dims])
    for (const p of graph.trained) {
      const w = weights.get(p.name)
      if (!w || w.length !== numel(p.shape)) throw new Error(`weights for ${p.name} [${p.shape}] are missing or mis-sized`)
      state.set(p.name, tensor(Float32Array.from(w), p.shape))
      state.set(`m.${p.name}`, tensor(Float32Array.from(options.moments?.m.get(p.name) ?? new Float32Array(w.length)), p.shape))
      state.set(`v.${p.name}`, tensor(Float32Array.from(options.moments?.v.get(p.name) ?? new Float32Array(w.length)), p.shape))
    }
    for (const name of graph.projected) {
      const norm = options.norms?.get(name) ?? frobenius(weights.get(name)!)
      state.set(`norm0.${name}`, tensor(Float32Array.of(norm), []))
    }
    const trainedNames = new Set(graph.trained.map((p) => p.name))
    const frozen = new Map<string, Float32Array>()
    for (const p of new FlowMo(config).parameters()) if (!trainedNames.has(p.name)) frozen.set(p.name, Float32Array.from(weights.get(p.name)!))
    const names = graph.trained.map((p) => p.name)
    return new OrtTrainStep(session, state, frozen, names, config, options.batch, options.moments?.step ?? 0)
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
    const f = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims)
    const feeds: Record<string, ort.Tensor> = Object.fromEntries(this.state)
    Object.assign(feeds, {
      x: f(batch.x, image), eps: f(batch.eps, image), t: f(batch.t, [B]), keep: f(batch.keep, [B]),
      lr: f(Float32Array.of(lr), []), step: f(Float32Array.of(this.steps + 1), []),
    })
    const out = await this.session.run(feeds)
    for (const name of this.trained) {
      this.state.set(name, out[`new.${name}`])
      this.state.set(`m.${name}`, out[`new_m.${name}`])
      this.state.set(`v.${name}`, out[`new_v.${name}`])
    }
    this.steps += 1
    return Object.fromEntries(LOSS_OUTPUTS.map((n) => [n, (out[n].data as Float32Array)[0]])) as StepLosses
  }

  /** Every parameter of the model (state-dict order), copied out for a checkpoint. */
  weights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>()
    for (const p of new FlowMo(this.config).parameters()) {
      out.set(p.name, Float32Array.from(this.frozen.get(p.name) ?? (this.state.get(p.name)!.data as Float32Array)))
    }
    return out
  }

  /** Adam's moments of the trained parameters (torch's exp_avg / exp_avg_sq), copied out. */
  moments(): { m: Map<string, Float32Array>; v: Map<string, Float32Array>; step: number } {
    const read = (key: string) => Float32Array.from(this.state.get(key)!.data as Float32Array)
    const m = new Map(this.trained.map((n) => [n, read(`m.${n}`)]))
    const v = new Map(this.trained.map((n) => [n, read(`v.${n}`)]))
    return { m, v, step: this.steps }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}

/** ‖W‖_F accumulated in float64, rounded to float32, as train/weight-norm.ts `frobenius`. */
function frobenius(w: Float32Array): number {
  let s = 0
  for (let i = 0; i < w.length; i++) s += w[i] * w[i]
  return Math.fround(Math.sqrt(s))
}
