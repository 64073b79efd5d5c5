// A FlowMo model opened for inference on tfjs (inference-model.ts's interface): checkpoint + config → encode,
// one decoder call, sample, decode, reconstruct on plain arrays. The reference path; tensors never leave this class.
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import * as tf from '@tensorflow/tfjs-core'
import { openWeights } from '../checkpoint/checkpoint'
import { loadConfigFile } from '../model/config-file'
import { preset, type FlowMoConfig, type SamplingConfig } from '../model/configs'
import { FlowMo, codeInput } from '../model/flowmo'
import { codeSize, quantizerFor } from '../model/quantizer'
import { TfOps } from '../model/tf-ops'
import { disposeWeightMap, loadWeightMap, type WeightMap } from '../model/weights'
import { initialNoiseFor, type NoiseOptions } from '../sample/noise'
import type { SampleResult } from '../sample/rf-sample'
import { rfSample } from '../sample/rf-sample'
import { tfSample, tfSampleOps } from '../sample/tf-sample'
import type { FloatTensor } from '../export/ort-runner'
import type { InferenceModel, SampleRequest } from './inference-model'
import { impliedConfig } from './infer-config'

export interface ModelSource {
  checkpoint: string // .safetensors or .pth
  config?: string // a config file (reference layout or explicit sizes); overrides what the checkpoint implies
  preset?: string // a named preset, e.g. flowmo-lo
  stateDict?: 'ema' | 'raw' // default EMA, as the reference evaluates
}

export interface ModelInfo {
  checkpoint: string
  format: 'safetensors' | 'pth'
  stateDict: string | null
  stateDicts: string[]
  totalSteps: number | null
  configSource: string // "file …", "preset …", "checkpoint metadata", "checkpoint shapes"
  assumed: string[]
  parameters: number
  bitsPerPixel: number | null // null: a continuous latent
}

export interface ReconstructOptions extends NoiseOptions {
  sampling?: Partial<SamplingConfig>
  onStep?: (step: number, steps: number) => void
  signal?: AbortSignal
}

/** What a training run says of the weights it validates on. */
export type BorrowedSource = Pick<ModelInfo, 'checkpoint' | 'stateDict' | 'totalSteps' | 'configSource'>

/** The ModelInfo of a training run's weights (no checkpoint file behind them yet). */
export function borrowedInfo(model: FlowMo, source: BorrowedSource): ModelInfo {
  return { ...source, format: 'safetensors', stateDicts: [], assumed: [], ...sizeOf(model) }
}

export class TfModel implements InferenceModel {
  private constructor(
    readonly model: FlowMo,
    readonly weights: WeightMap,
    readonly info: ModelInfo,
    private readonly owned = true, // false: the caller's weights (borrow), which dispose() leaves alone
  ) {}

  /** The model over weights the caller keeps and frees (a training run's raw or EMA weights, for its validation). */
  static borrow(model: FlowMo, weights: WeightMap, source: BorrowedSource): TfModel {
    return new TfModel(model, weights, borrowedInfo(model, source), false)
  }

  get config(): FlowMoConfig {
    return this.model.config
  }

  static async open(src: ModelSource): Promise<TfModel> {
    const w = await openWeights(src.checkpoint, src.stateDict ? { stateDict: src.stateDict } : {})
    try {
      const implied = src.config || src.preset ? null : impliedConfig(w)
      const config = src.config ? await loadConfigFile(src.config) : src.preset ? preset(src.preset) : implied!.config
      const model = new FlowMo(config)
      const weights = await loadWeightMap(model, w)
      const configSource = src.config ? `file ${src.config}` : src.preset ? `preset ${src.preset}` : `checkpoint ${implied!.source}`
      const info: ModelInfo = {
        checkpoint: src.checkpoint, format: w.format, stateDict: w.stateDictKey, stateDicts: w.available, totalSteps: w.totalSteps,
        configSource, assumed: implied?.assumed ?? [], ...sizeOf(model),
      }
      return new TfModel(model, weights, info)
    } finally {
      await w.close()
    }
  }

  /** x [B, 3, S, S] in [−1, 1] → code_pre and its quantisation (±1 for LFQ), [B, L, C] each. */
  async encode(x: Float32Array, batch: number): Promise<{ codePre: Float32Array; code: Float32Array }> {
    const S = this.config.imageSize
    const [pre, q] = tf.tidy(() => {
      const codePre = this.model.encode(new TfOps(this.weights), tf.tensor4d(x, [batch, 3, S, S]))
      return [codePre, quantizerFor(this.config).quantize(codePre, false)]
    })
    const out = { codePre: (await pre.data()) as Float32Array, code: (await q.data()) as Float32Array }
    tf.dispose([pre, q])
    return out
  }

  /** One decoder call: v̂(z, codeIn, t) for z [B, 3, S, S], codeIn [B, L, C+1], t one value for the batch or [B]. */
  async velocity(z: FloatTensor, codeIn: FloatTensor, t: number | Float32Array): Promise<FloatTensor> {
    const B = z.shape[0]
    const v = tf.tidy(() => {
      const ts = typeof t === 'number' ? tf.fill([B], t, 'float32') : tf.tensor1d(t)
      return this.model.decode(new TfOps(this.weights), tf.tensor(z.data, [...z.shape]), tf.tensor(codeIn.data, [...codeIn.shape]), ts)
    })
    return floats(v)
  }

  /**
   * The sampler from z0 [B, 3, S, S] given a ±1 code [B, L, C]; `final` is not clipped. It yields to the event loop
   * before every decoder call, so a cancel (or any other engine call) is served mid-sample.
   */
  async sample(code: Float32Array, z0: Float32Array, batch: number, opts: SampleRequest = {}): Promise<SampleResult<FloatTensor>> {
    const { imageSize: S, codeLength: L, contextDim: C } = this.config
    const o = new TfOps(this.weights)
    const codeIn = tf.tidy(() => codeInput(o, tf.tensor3d(code, [batch, L, C])))
    const z = tf.tensor4d(z0, [batch, 3, S, S])
    const velocity = async (x: tf.Tensor, c: tf.Tensor, t: number) => {
      await nextMacrotask()
      opts.signal?.throwIfAborted()
      return tf.tidy(() => this.model.decode(o, x, c, tf.fill([batch], t, 'float32')))
    }
    try {
      const res = await rfSample(tfSampleOps, velocity, z, codeIn, { ...this.config.sampling, ...opts.sampling }, opts)
      const [trajectory, predicted] = [await allFloats(res.trajectory), await allFloats(res.predicted)]
      const last = res.trajectory.indexOf(res.final) // the final state is the trajectory's last when kept
      return { ...res, final: last >= 0 ? trajectory[last] : await floats(res.final), trajectory, predicted }
    } finally {
      tf.dispose([codeIn, z])
    }
  }

  /** Sample images [B, 3, S, S] (clipped to [−1, 1]) from a ±1 code [B, L, C] and initial noise z0. */
  async decode(code: Float32Array, z0: Float32Array, batch: number, opts: ReconstructOptions = {}): Promise<{ images: Float32Array; nfe: number }> {
    const { imageSize: S, codeLength: L, contextDim: C } = this.config
    const o = new TfOps(this.weights)
    const codeIn = tf.tidy(() => codeInput(o, tf.tensor3d(code, [batch, L, C])))
    const z = tf.tensor4d(z0, [batch, 3, S, S])
    const sampling = { ...this.config.sampling, ...opts.sampling }
    try {
      const res = await tfSample(this.model, o, z, codeIn, sampling, { onStep: opts.onStep, signal: opts.signal })
      const clipped = tf.clipByValue(res.final, -1, 1)
      const images = (await clipped.data()) as Float32Array
      tf.dispose([clipped, res.final])
      return { images, nfe: res.nfe }
    } finally {
      tf.dispose([codeIn, z])
    }
  }

  /** encode → quantise → sample, with seeded noise per image (keyed by the image unless `noise: 'index'`). */
  async reconstruct(x: Float32Array, batch: number, opts: ReconstructOptions = {}): Promise<{ images: Float32Array; code: Float32Array; nfe: number }> {
    const { code } = await this.encode(x, batch)
    const z0 = initialNoiseFor(x, batch, this.config.imageSize, opts)
    const { images, nfe } = await this.decode(code, z0, batch, opts)
    return { images, code, nfe }
  }

  dispose(): void {
    if (this.owned) disposeWeightMap(this.weights)
  }
}

function sizeOf(model: FlowMo): Pick<ModelInfo, 'parameters' | 'bitsPerPixel'> {
  const parameters = model.parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)
  return { parameters, bitsPerPixel: codeSize(model.config).bitsPerPixel }
}

/** A tensor's values as a plain array; the tensor is released. */
async function allFloats(xs: tf.Tensor[]): Promise<FloatTensor[]> {
  const out: FloatTensor[] = []
  for (const x of xs) out.push(await floats(x))
  return out
}

async function floats(x: tf.Tensor): Promise<FloatTensor> {
  const data = (await x.data()) as Float32Array // sync point
  x.dispose()
  return { data, shape: x.shape }
}
