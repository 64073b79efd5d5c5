// The one inference interface every feature uses, whatever executes it: OrtModel (onnxruntime on the exported
// graphs, any device and size) and TfModel (tfjs: the reference and the training path). Plain float arrays in and out.
import type { FloatTensor } from '../export/ort-runner'
import type { FlowMoConfig } from '../model/configs'
import type { SampleResult } from '../sample/rf-sample'
import type { ModelInfo, ReconstructOptions } from './tf-model'

export interface SampleRequest extends ReconstructOptions {
  keepTrajectory?: boolean // also return z after every step and the predicted clean image x̂₀ before it
}

export interface InferenceModel {
  readonly config: FlowMoConfig
  readonly info: ModelInfo
  /** x [B, 3, S, S] in [−1, 1] → continuous code and its ±1 quantisation, [B, L, C] each. */
  encode(x: Float32Array, batch: number): Promise<{ codePre: Float32Array; code: Float32Array }>
  /** One decoder call: v̂(z, codeIn, t) for z [B, 3, S, S], codeIn [B, L, C+1], t one value for the batch or [B]. */
  velocity(z: FloatTensor, codeIn: FloatTensor, t: number | Float32Array): Promise<FloatTensor>
  /** The sampler from z0 [B, 3, S, S] given a ±1 code [B, L, C]: `final` unclipped, the trajectory when asked, per-step callback, cancel. */
  sample(code: Float32Array, z0: Float32Array, batch: number, opts?: SampleRequest): Promise<SampleResult<FloatTensor>>
  /** Sample images [B, 3, S, S] (clipped to [−1, 1]) from a ±1 code and initial noise z0. */
  decode(code: Float32Array, z0: Float32Array, batch: number, opts?: ReconstructOptions): Promise<{ images: Float32Array; nfe: number }>
  /** encode → quantise → sample, with the noise of image i seeded by (seed, firstIndex + i). */
  reconstruct(x: Float32Array, batch: number, opts?: ReconstructOptions): Promise<{ images: Float32Array; code: Float32Array; nfe: number }>
  dispose(): void | Promise<void>
}
