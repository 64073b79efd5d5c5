// A FlowMo model opened for inference on tfjs: checkpoint + config → encode, decode, reconstruct on plain arrays.
// Used by the CLI and the engine service; tensors never leave this class.
import * as tf from '@tensorflow/tfjs-core'
import { openWeights } from '../checkpoint/checkpoint'
import { loadConfigFile } from '../model/config-file'
import { preset, type FlowMoConfig, type SamplingConfig } from '../model/configs'
import { FlowMo, codeInput } from '../model/flowmo'
import { quantize } from '../model/lfq'
import { TfOps } from '../model/tf-ops'
import { disposeWeightMap, loadWeightMap, type WeightMap } from '../model/weights'
import { initialNoiseFor, type NoiseOptions } from '../sample/noise'
import { tfSample } from '../sample/tf-sample'
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
  bitsPerPixel: number
}

export interface ReconstructOptions extends NoiseOptions {
  sampling?: Partial<SamplingConfig>
  onStep?: (step: number, steps: number) => void
  signal?: AbortSignal
}

export class TfModel {
  private constructor(readonly model: FlowMo, readonly weights: WeightMap, readonly info: ModelInfo) {}

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
      const parameters = model.parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)
      const bitsPerPixel = (config.codeLength * config.contextDim) / (config.imageSize * config.imageSize)
      const info: ModelInfo = {
        checkpoint: src.checkpoint, format: w.format, stateDict: w.stateDictKey, stateDicts: w.available, totalSteps: w.totalSteps,
        configSource, assumed: implied?.assumed ?? [], parameters, bitsPerPixel,
      }
      return new TfModel(model, weights, info)
    } finally {
      await w.close()
    }
  }

  /** x [B, 3, S, S] in [−1, 1] → continuous code and its ±1 quantisation, [B, L, C] each. */
  async encode(x: Float32Array, batch: number): Promise<{ codePre: Float32Array; code: Float32Array }> {
    const S = this.config.imageSize
    const [pre, q] = tf.tidy(() => {
      const codePre = this.model.encode(new TfOps(this.weights), tf.tensor4d(x, [batch, 3, S, S]))
      return [codePre, quantize(codePre)]
    })
    const out = { codePre: (await pre.data()) as Float32Array, code: (await q.data()) as Float32Array }
    tf.dispose([pre, q])
    return out
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
    disposeWeightMap(this.weights)
  }
}
