// A FlowMo model run by onnxruntime-node on its exported graphs (encoder.onnx, decoder.onnx): encode, quantise
// and the whole sampler (sample/rf-sample.ts over float32 arrays; the CFG null code is a separate decoder call).
import { join } from 'node:path'
import { cachedExport, type CachedExportOptions } from '../export/export-cache'
import { resolveSource } from '../export/flowmo-export'
import { fusedAttentionOn, resolveDevice, webGpuAdapter, type OrtDevice } from '../export/ort-device'
import { readManifest, type FlowMoManifest } from '../export/manifest'
import { OrtRunner, type FloatTensor } from '../export/ort-runner'
import type { OrtSessionOptions } from '../export/ort-session'
import type { FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { quantizerFor } from '../model/quantizer'
import { initialNoiseFor } from '../sample/noise'
import { rfSample, type SampleOps, type SampleResult } from '../sample/rf-sample'
import type { InferenceModel, SampleRequest } from './inference-model'
import { assertFits, estimateOpen, formatEstimate, type OpenEstimate } from './open-estimate'
import type { ModelInfo, ModelSource, ReconstructOptions } from './tf-model'

/** The open estimate for a checkpoint from its header and config only (no tensor data is read). */
async function estimateFor(src: ModelSource, device: OrtDevice): Promise<OpenEstimate> {
  const r = await resolveSource(src)
  await r.weights.close()
  const parameters = new FlowMo(r.config).parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)
  const softwareAdapter = device === 'webgpu' && (await webGpuAdapter().then((a) => a.software, () => false))
  return estimateOpen(r.config, parameters, device, { softwareAdapter })
}

/** rfSample's ops on float32 arrays; each result is rounded to float32 as tfjs rounds it. */
export const floatSampleOps: SampleOps<FloatTensor> = {
  add: (a, b) => axpy(a, 1, b),
  sub: (a, b) => axpy(a, -1, b),
  scale: (x, s) => {
    const [f, xs] = [Math.fround(s), x.data] // tfjs multiplies by a float32 scalar
    const out = new Float32Array(xs.length)
    for (let i = 0; i < out.length; i++) out[i] = xs[i] * f
    return { data: out, shape: x.shape }
  },
  release: () => {}, // garbage collected
}

/** a + sign·b (sign ±1, so one float32 rounding as in tfjs); plain loops, the sampler's only JS arithmetic. */
function axpy(a: FloatTensor, sign: 1 | -1, b: FloatTensor): FloatTensor {
  const [as, bs] = [a.data, b.data]
  if (as.length !== bs.length) throw new Error(`sampler tensors differ in shape: [${a.shape}] vs [${b.shape}]`)
  const out = new Float32Array(as.length)
  for (let i = 0; i < out.length; i++) out[i] = as[i] + sign * bs[i]
  return { data: out, shape: a.shape }
}

export interface OrtOpenOptions extends OrtSessionOptions, CachedExportOptions {}

/** What the model needs of a graph's session: an OrtRunner, or one fed the weights (weight-fed-model.ts). */
export type GraphRunner = Pick<OrtRunner, 'device' | 'run' | 'release'>

export class OrtModel implements InferenceModel {
  private constructor(
    readonly config: FlowMoConfig,
    readonly info: ModelInfo,
    readonly manifest: FlowMoManifest | null, // null: graphs traced in memory, not an export
    readonly dir: string | null, // the export folder
    private readonly encoder: GraphRunner,
    private readonly decoder: GraphRunner,
    readonly estimate: OpenEstimate | null = null, // made before opening a checkpoint (null: an export folder)
  ) {}

  /** The execution provider in use ('cuda' only when asked for and available). */
  get device(): OrtDevice {
    return this.decoder.device
  }

  /**
   * Opens an export folder written by `flowmo export` (flowmo.json, encoder.onnx, decoder.onnx). `openedAs`: the
   * checkpoint path the user gave, reported instead of the manifest's (a cached export is keyed by the file's content
   * and may have been made from another copy of it).
   */
  static async load(dir: string, opts: OrtSessionOptions = {}, openedAs?: string, estimate: OpenEstimate | null = null): Promise<OrtModel> {
    const { manifest, config } = await readManifest(dir)
    let device = await resolveDevice(opts.device)
    if (manifest.fusedAttention && !fusedAttentionOn(device)) {
      device = 'cpu' // the CPU provider runs fused attention exactly
      ;(opts.onNotice ?? console.warn)(`onnxruntime: ${dir} was exported with fused attention, which the WebGPU provider computes wrongly; running on cpu (export with --unfused-attention for webgpu)`)
    }
    const encoder = await OrtRunner.load(join(dir, manifest.encoder.file), { ...opts, device })
    const quiet = encoder.device !== device // the encoder already gave the fallback notice
    const decoder = await OrtRunner.load(join(dir, manifest.decoder.file), { ...opts, device, onNotice: quiet ? () => {} : opts.onNotice })
    const c = manifest.checkpoint
    const info: ModelInfo = {
      checkpoint: openedAs ?? c.path, format: c.format, stateDict: c.stateDict, stateDicts: [...c.stateDicts], totalSteps: c.totalSteps,
      configSource: manifest.configSource, assumed: [...manifest.assumed], parameters: manifest.parameters, bitsPerPixel: manifest.bitsPerPixel,
    }
    return new OrtModel(config, info, manifest, dir, encoder, decoder, estimate)
  }

  /** The model over sessions opened elsewhere (graphs traced in memory; `config`'s sizes are theirs). */
  static over(config: FlowMoConfig, info: ModelInfo, encoder: GraphRunner, decoder: GraphRunner): OrtModel {
    return new OrtModel(config, info, null, null, encoder, decoder)
  }

  /**
   * Opens a checkpoint: exports it into the cache first (keyed by checkpoint hash and config) unless it is there.
   * Before either, says the estimate (onNotice) and refuses with WontFitError when the memory is not there.
   */
  static async open(src: ModelSource, opts: OrtOpenOptions = {}): Promise<OrtModel> {
    const device = await resolveDevice(opts.device)
    const estimate = await estimateFor(src, device)
    ;(opts.onNotice ?? console.warn)(formatEstimate(estimate))
    assertFits(estimate, 'inference', src.checkpoint)
    const beforeExport = () => assertFits(estimate, 'export', src.checkpoint)
    const { dir } = await cachedExport(src, { ...opts, fusedAttention: opts.fusedAttention ?? fusedAttentionOn(device), beforeExport })
    return OrtModel.load(dir, { ...opts, device }, src.checkpoint, estimate)
  }

  /** x [B, 3, S, S] in [−1, 1] → code_pre and its quantisation (±1 for LFQ), [B, L, C] each. */
  async encode(x: Float32Array, batch: number): Promise<{ codePre: Float32Array; code: Float32Array }> {
    const S = this.config.imageSize
    const { code_pre } = await this.encoder.run({ x: { data: x, shape: [batch, 3, S, S] } })
    const code = quantizerFor(this.config).values(code_pre.data)
    return { codePre: code_pre.data, code }
  }

  /** One decoder call: v̂(z, codeIn, t) for z [B, 3, S, S], codeIn [B, L, C+1], t one value for the batch or [B]. */
  async velocity(z: FloatTensor, codeIn: FloatTensor, t: number | Float32Array): Promise<FloatTensor> {
    const batch = z.shape[0]
    const ts = typeof t === 'number' ? new Float32Array(batch).fill(t) : t
    const { v } = await this.decoder.run({ x_t: z, code_in: codeIn, t: { data: ts, shape: [batch] } })
    return v
  }

  /** The sampler from z0 [B, 3, S, S] given a ±1 code [B, L, C]; `final` is not clipped. */
  async sample(code: Float32Array, z0: Float32Array, batch: number, opts: SampleRequest = {}): Promise<SampleResult<FloatTensor>> {
    const { imageSize: S } = this.config
    const sampling = { ...this.config.sampling, ...opts.sampling }
    const z: FloatTensor = { data: z0, shape: [batch, 3, S, S] }
    return rfSample(floatSampleOps, (zt, codeIn, t) => this.velocity(zt, codeIn, t), z, this.codeInput(code, batch), sampling, opts)
  }

  /** Sample images [B, 3, S, S] (clipped to [−1, 1]) from a ±1 code [B, L, C] and initial noise z0. */
  async decode(code: Float32Array, z0: Float32Array, batch: number, opts: ReconstructOptions = {}): Promise<{ images: Float32Array; nfe: number }> {
    const res = await this.sample(code, z0, batch, opts)
    const images = new Float32Array(res.final.data.length)
    for (let i = 0; i < images.length; i++) images[i] = Math.min(1, Math.max(-1, res.final.data[i]))
    return { images, nfe: res.nfe }
  }

  /** encode → quantise → sample, with seeded noise per image (as TfModel.reconstruct). */
  async reconstruct(x: Float32Array, batch: number, opts: ReconstructOptions = {}): Promise<{ images: Float32Array; code: Float32Array; nfe: number }> {
    const { code } = await this.encode(x, batch)
    const z0 = initialNoiseFor(x, batch, this.config.imageSize, opts)
    const { images, nfe } = await this.decode(code, z0, batch, opts)
    return { images, code, nfe }
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()])
  }

  /** model/flowmo.ts `codeInput`: [B, L, C] → [B, L, C+1] with a constant-1 channel. */
  codeInput(code: Float32Array, batch: number): FloatTensor {
    const { codeLength: L, contextDim: C } = this.config
    if (code.length !== batch * L * C) throw new Error(`code holds ${code.length} values, [${batch}, ${L}, ${C}] needs ${batch * L * C}`)
    const out = new Float32Array(batch * L * (C + 1))
    for (let row = 0; row < batch * L; row++) {
      out.set(code.subarray(row * C, (row + 1) * C), row * (C + 1))
      out[row * (C + 1) + C] = 1
    }
    return { data: out, shape: [batch, L, C + 1] }
  }
}
