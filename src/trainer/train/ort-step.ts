// A training step on onnxruntime-node: forward, reverse-mode gradients, Adam and the weight-norm projection as one
// session (export/grad/train-graph.ts). Weights and Adam moments stay ort tensors between steps as three flat vectors:
// each step's outputs are the next step's inputs. Gradient accumulation runs n − 1 chunks through a gradient-only
// session of the same graph (each chunk's loss ÷ n, summed through grad_in), the last one through the Adam step.
// Stage 1B adds the sampling chain (train/ort-chain.ts): the frozen encoder's code, λ·d(x, chain sample) and its
// gradient through the k decoder calls, summed into grad_in. Stage 1A's perceptual term, when given, is part of the
// step graph (its network's weights as constants).
import * as ort from 'onnxruntime-node'
import type { FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { encodeModel } from '../export/onnx-proto'
import type { OrtDevice } from '../export/ort-device'
import { floatTensor } from '../export/ort-tensor'
import { openOrtSession, SLEEPING_THREADS, type OrtSessionOptions, type OrtTuning } from '../export/ort-session'
import { buildTrainGraph, hasNoiseSync, LOSS_OUTPUTS } from '../export/grad/train-graph'
import type { FlatLayout } from '../export/grad/flat-state'
import type { PerceptualTerm } from '../export/grad/stage1a-graph'
import { OrtChain, type SampleGradient } from './ort-chain'
import { ADAM_DEFAULTS, type AdamConfig } from './optim'
import type { ChainDraw, FlowDraw } from './step-random'
import { frobeniusOf } from './weight-norm'

/** The graph's losses (chunk means) and the Stage-1B chain's term `sample_loss` = λ·d(x, sample) (0 without a chain). */
export type StepLosses = Record<(typeof LOSS_OUTPUTS)[number] | 'sample_loss', number>

/** One batch: x [B, 3, S, S] in [−1, 1] plus the step's draws (ε, t, CFG keep mask; noise sync for a continuous latent; the chain's z₀ and grid in Stage 1B). */
export interface OrtStepBatch extends FlowDraw {
  readonly x: Float32Array
  readonly chain?: ChainDraw
}

/** Stage 1B's chain term: k decoder calls from z₀ and the sample's loss and cotangent (perceptual, λ_sample; the step releases it). */
export interface OrtChainTerm {
  readonly steps: number
  readonly sample: SampleGradient
}

/** device: default the selected one (FLOWMO_DEVICE, else auto); webgpu matches cpu (test/trainer/train/ort-step-webgpu.test.ts). */
export interface OrtTrainStepOptions extends OrtSessionOptions {
  readonly batch: number // fixed: the graph has static shapes (of one chunk)
  readonly chunks?: number // gradient accumulation: batches per step (default 1)
  /** Stage 1B's chain term; the encoder is then frozen (only decoder parameters train). */
  readonly chain?: OrtChainTerm
  readonly adam?: AdamConfig // default β (0.9, 0.95), ε 1e-8
  /** ‖W₀‖_F of each projected weight; default: measured on the starting weights (a fresh start). */
  readonly norms?: ReadonlyMap<string, number>
  /** Resumed Adam state: moments by parameter name and the steps already taken (default zeros, 0). */
  readonly moments?: { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array>; step: number }
  /** Which parameters train (default all): e.g. `(n) => n.startsWith('decoder.')` once the encoder is frozen. */
  readonly trainable?: (name: string) => boolean
  /** Stage 1A's λ·perceptual(x, x̂) in the loss (export/grad/perceptual-graph.ts `perceptualNetGraph` of the run's loss). */
  readonly perceptual?: PerceptualTerm
}

export class OrtTrainStep {
  private steps: number

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly accumulate: ort.InferenceSession | null, // the gradient-only graph for chunks before the last
    private readonly chain: { term: OrtChainTerm; engine: OrtChain } | null,
    private readonly layout: FlatLayout,
    private readonly fixed: { layout: FlatLayout; values: Float32Array }, // read by the loss but not trained
    private readonly state: Record<'params' | 'm' | 'v' | 'norm0', ort.Tensor>, // flat [P] vectors; norm0 [K]
    private readonly unread: Map<string, Float32Array>, // parameters the loss never reads (not updated)
    private readonly config: FlowMoConfig,
    private readonly batch: number,
    steps: number,
    readonly device: OrtDevice, // the execution provider the step runs on
    private readonly chunks: number, // gradient-accumulation chunks per step
  ) {
    this.steps = steps
  }

  /** Builds the step graph for `config` at a fixed batch and opens its session (seconds for tiny models). */
  static async create(config: FlowMoConfig, weights: ReadonlyMap<string, Float32Array>, options: OrtTrainStepOptions): Promise<OrtTrainStep> {
    const n = options.chunks ?? 1
    const base = {
      batch: options.batch, adam: options.adam ?? ADAM_DEFAULTS, gradScale: 1 / n, gradIn: n > 1 || options.chain !== undefined, perceptual: options.perceptual,
      ...(options.chain ? { trainable: (name: string) => name.startsWith('decoder.'), codePre: true } : { trainable: options.trainable }),
    }
    const graph = buildTrainGraph(config, base)
    const tuned = { ...options, tuning: { ...STEP_TUNING, ...options.tuning } }
    const open = async (model: typeof graph.model) => openOrtSession(Buffer.concat(encodeModel(model)), tuned)
    const { session, device } = await open(graph.model)
    const accumulate = n > 1 ? (await open(buildTrainGraph(config, { ...base, update: false, gradOutputs: true }).model)).session : null
    const { layout } = graph
    const chain = options.chain ? { term: options.chain, engine: await OrtChain.create(config, layout, weights, { ...tuned, chainSteps: options.chain.steps }) } : null
    for (const { ref, size } of [...layout.entries, ...graph.frozen.entries]) {
      if (weights.get(ref.name)?.length !== size) throw new Error(`weights for ${ref.name} [${ref.shape}] are missing or mis-sized`)
    }
    const norm0 = Float32Array.from(graph.projected, (n) => options.norms?.get(n) ?? frobeniusOf(weights.get(n)!))
    const P = [layout.size]
    const state = {
      params: floatTensor(layout.pack((n) => weights.get(n)), P),
      m: floatTensor(layout.pack((n) => options.moments?.m.get(n)), P),
      v: floatTensor(layout.pack((n) => options.moments?.v.get(n)), P),
      norm0: floatTensor(norm0, [norm0.length]),
    }
    const fixed = { layout: graph.frozen, values: graph.frozen.pack((n) => weights.get(n)) }
    const unread = new Map<string, Float32Array>()
    for (const p of new FlowMo(config).parameters()) {
      if (!layout.has(p.name) && !graph.frozen.has(p.name)) unread.set(p.name, Float32Array.from(weights.get(p.name)!))
    }
    return new OrtTrainStep(session, accumulate, chain, layout, fixed, state, unread, config, options.batch, options.moments?.step ?? 0, device, n)
  }

  /** Optimiser steps taken so far (the next step uses bias correction for steps + 1). */
  get stepCount(): number {
    return this.steps
  }

  /**
   * One optimiser step at learning rate `lr` on one batch, or on the `chunks` batches of a gradient-accumulation step;
   * returns the losses before the update, averaged over the chunks.
   */
  async step(batch: OrtStepBatch | readonly OrtStepBatch[], lr: number): Promise<StepLosses> {
    const chunks = 'x' in batch ? [batch] : batch
    const n = chunks.length
    if (n !== this.chunks) throw new Error(`the step graph is built for ${this.chunks} gradient-accumulation chunk(s); got ${n}`)
    const P = this.layout.size
    // grad_in: earlier chunks' and the chain's gradients. Made fresh each step even where the graph takes none: this
    // allocation's pressure makes V8 collect the previous step's params/m/v outputs (3·P floats of garbage that
    // onnxruntime-node copies out every step); a zero tensor made once instead measured +90 MB peak on bench-tiny64.
    let grad = floatTensor(new Float32Array(P), [P])
    const sums = Object.fromEntries([...LOSS_OUTPUTS, 'sample_loss'].map((k) => [k, 0])) as StepLosses
    for (const [c, chunk] of chunks.entries()) {
      const feeds = this.feeds(chunk, lr)
      if (this.chain) {
        if (!chunk.chain) throw new Error('a Stage-1B step needs the chain draws (z0, u) with every batch')
        const r = await this.chain.engine.run(chunk.x, chunk.chain, this.state.params, this.chain.term.sample, grad, 1 / n)
        Object.assign(feeds, { code_pre: r.codePre })
        grad = r.grad
        sums.sample_loss += r.loss / n
      }
      const last = c === n - 1
      const session = last ? this.session : this.accumulate!
      feeds.grad_in = grad
      const out = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, feeds[name]])))
      for (const k of LOSS_OUTPUTS) sums[k] += (out[k].data as Float32Array)[0] / n
      if (last) Object.assign(this.state, { params: out.new_params, m: out.new_m, v: out.new_v })
      else grad = out.grad
    }
    this.steps += 1
    return sums
  }

  /** One chunk's graph inputs (a superset: each session takes the ones it declares). */
  private feeds(batch: OrtStepBatch, lr: number): Record<string, ort.Tensor> {
    const B = this.batch
    const S = this.config.imageSize
    const image = [B, 3, S, S]
    const sizes = { x: batch.x.length / (3 * S * S), eps: batch.eps.length / (3 * S * S), t: batch.t.length, keep: batch.keep.length }
    const wrong = Object.entries(sizes).filter(([, n]) => n !== B)
    if (wrong.length) throw new Error(`the step graph is built for batch ${B}; got ${wrong.map(([k, n]) => `${k} for ${n}`).join(', ')}`)
    const feeds: Record<string, ort.Tensor> = {
      ...this.state,
      x: floatTensor(batch.x, image), eps: floatTensor(batch.eps, image), t: floatTensor(batch.t, [B]), keep: floatTensor(batch.keep, [B]),
      lr: floatTensor(Float32Array.of(lr), []), step: floatTensor(Float32Array.of(this.steps + 1), []),
      frozen: floatTensor(this.fixed.values, [this.fixed.layout.size]),
    }
    return hasNoiseSync(this.config) ? { ...feeds, ...this.syncFeeds(batch) } : feeds
  }

  /** sync_scale [B] = m·τ and eps_z [B, L, C]; a draw without sync (e.g. the MSE phase) syncs nothing. */
  private syncFeeds(batch: OrtStepBatch): Record<'sync_scale' | 'eps_z', ort.Tensor> {
    const { codeLength: L, contextDim: C } = this.config
    const d = batch.sync
    return {
      sync_scale: floatTensor(d ? d.tau.map((tau, b) => d.mask[b] * tau) : new Float32Array(this.batch), [this.batch]),
      eps_z: floatTensor(d ? d.epsZ : new Float32Array(this.batch * L * C), [this.batch, L, C]),
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
    await this.accumulate?.release()
    await this.chain?.engine.release()
    await this.chain?.term.sample.release()
  }
}

/**
 * The step's and the chain's sessions: no memory pattern (it plans one block for every value a run holds, 1.5× the
 * peak without it) and intra-op threads that sleep instead of spinning between kernels (a third less CPU per step;
 * faster when other work shares the cores). docs/ort-training.md "Memory", "Speed".
 */
const STEP_TUNING: OrtTuning = { enableMemPattern: false, ...SLEEPING_THREADS }

