// A Stage-2 generator training step on onnxruntime-node: the ImageBert forward, MLM loss, gradients, clipping and AdamW
// as one session (export/grad/generator-graph.ts). Weights and AdamW moments stay ort tensors between steps as three
// flat vectors, as train/ort-step.ts keeps Stage 1A's.
import * as ort from 'onnxruntime-node'
import { encodeModel } from '../export/onnx-proto'
import type { OrtDevice } from '../export/ort-device'
import { openOrtSession, type OrtSessionOptions } from '../export/ort-session'
import { floatTensor } from '../export/ort-tensor'
import { buildGeneratorGraph } from '../export/grad/generator-graph'
import type { FlatLayout } from '../export/grad/flat-state'
import { mlmTargets } from './generator-loss'
import type { MaskGitParams } from './maskgit'

/** device: default the selected one (FLOWMO_DEVICE, else auto), as every session; webgpu matches cpu (its test). */
export interface OrtGeneratorStepOptions extends OrtSessionOptions {
  readonly batch: number
  readonly betas: readonly [number, number]
  readonly eps: number
  readonly weightDecay: number
  readonly decays: (name: string, shape: readonly number[]) => boolean
  readonly clipNorm: number
  /** Resumed AdamW state: moments by parameter name and the steps already taken (default zeros, 0). */
  readonly moments?: { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array>; step: number }
}

/** One batch as the tfjs loop draws it: generator input bits [B, T, C], class one-hot [B, 1, K+1], target ids and masks [B·T·F]. */
export interface GeneratorBatch {
  readonly bits: Float32Array
  readonly classOneHot: Float32Array
  readonly ids: Int32Array
  readonly masks: Uint8Array
}

export interface GeneratorStepResult {
  readonly loss: number
  readonly correct: number // masked sub-tokens predicted right
  readonly gradNorm: number // before clipping
}

export class OrtGeneratorStep {
  private steps: number

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly layout: FlatLayout,
    private readonly state: Record<'params' | 'm' | 'v', ort.Tensor>,
    private readonly params: MaskGitParams,
    private readonly batch: number,
    steps: number,
    readonly device: OrtDevice, // the execution provider the step runs on
  ) {
    this.steps = steps
  }

  static async create(params: MaskGitParams, weights: ReadonlyMap<string, Float32Array>, options: OrtGeneratorStepOptions): Promise<OrtGeneratorStep> {
    const graph = buildGeneratorGraph(params, { batch: options.batch, adam: { betas: options.betas, eps: options.eps }, weightDecay: options.weightDecay, decays: options.decays, clipNorm: options.clipNorm })
    const { session, device } = await openOrtSession(Buffer.concat(encodeModel(graph.model)), options)
    const { layout } = graph
    for (const { ref, size } of layout.entries) if (weights.get(ref.name)?.length !== size) throw new Error(`weights for ${ref.name} [${ref.shape}] are missing or mis-sized`)
    const P = [layout.size]
    const state = {
      params: floatTensor(layout.pack((n) => weights.get(n)), P),
      m: floatTensor(layout.pack((n) => options.moments?.m.get(n)), P),
      v: floatTensor(layout.pack((n) => options.moments?.v.get(n)), P),
    }
    return new OrtGeneratorStep(session, layout, state, params, options.batch, options.moments?.step ?? 0, device)
  }

  get stepCount(): number {
    return this.steps
  }

  /** One optimiser step at learning rate `lr`; the loss and accuracy are those before the update. */
  async step(b: GeneratorBatch, lr: number): Promise<GeneratorStepResult> {
    const { positions: T, bitsPerToken: C, subTokens: F, vocabulary: V, classes: K } = this.params
    const B = this.batch
    if (b.ids.length !== B * T * F) throw new Error(`the step graph is built for batch ${B}; got ${b.ids.length / (T * F)} sequences`)
    const out = await this.session.run({
      ...this.state,
      bits: floatTensor(b.bits, [B, T, C]), class_onehot: floatTensor(b.classOneHot, [B, 1, K + 1]),
      target: floatTensor(mlmTargets(b.ids, b.masks, V), [B * T * F, V]), masked: floatTensor(Float32Array.from(b.masks), [B * T * F]),
      lr: floatTensor(Float32Array.of(lr), []), step: floatTensor(Float32Array.of(this.steps + 1), []),
    })
    Object.assign(this.state, { params: out.new_params, m: out.new_m, v: out.new_v })
    this.steps += 1
    const scalar = (name: string) => (out[name].data as Float32Array)[0]
    return { loss: scalar('loss'), correct: scalar('correct'), gradNorm: scalar('grad_norm') }
  }

  /** Every parameter (state-dict order), copied out. */
  weights(): Map<string, Float32Array> {
    const flat = this.state.params.data as Float32Array
    return new Map(this.layout.entries.map(({ ref }) => [ref.name, this.layout.unpack(flat, ref.name)]))
  }

  /** AdamW's moments (torch's exp_avg / exp_avg_sq), copied out. */
  moments(): { m: Map<string, Float32Array>; v: Map<string, Float32Array>; step: number } {
    const split = (t: ort.Tensor) => new Map(this.layout.entries.map(({ ref }) => [ref.name, this.layout.unpack(t.data as Float32Array, ref.name)]))
    return { m: split(this.state.m), v: split(this.state.v), step: this.steps }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
