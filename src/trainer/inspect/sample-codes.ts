// The inspector's sampler call: any model's `sample` (inference-model.ts: onnxruntime or tfjs alike, both yield
// between decoder calls so a cancelJob reaches the engine mid-decode), with the images, trajectory and x̂₀ clipped.
import type { FloatTensor } from '../export/ort-runner'
import type { InferenceModel } from '../inference/inference-model'
import type { SamplingConfig } from '../model/configs'

export interface SampleCodesOptions {
  readonly signal?: AbortSignal
  readonly onStep?: (step: number, steps: number) => void
  readonly keepTrajectory?: boolean
}

export interface SampledCodes {
  readonly images: Float32Array // [B, 3, S, S], clipped to [−1, 1]
  readonly trajectory: Float32Array[] // z after each step, clipped (when kept)
  readonly predicted: Float32Array[] // x̂₀ = z_t − t·v̂ before each step, clipped (when kept)
  readonly ts: Float32Array
  readonly dts: Float32Array
  readonly cfgApplied: boolean[]
  readonly nfe: number
}

/** Samples B images from ±1 codes [B, L, C] and initial noise z0 [B, 3, S, S]; the same on both paths. */
export async function sampleCodes(
  opened: { readonly model: InferenceModel }, codes: Float32Array, z0: Float32Array, batch: number, sampling: SamplingConfig, opts: SampleCodesOptions = {},
): Promise<SampledCodes> {
  const res = await opened.model.sample(codes, z0, batch, { sampling, keepTrajectory: opts.keepTrajectory, onStep: opts.onStep, signal: opts.signal })
  const [trajectory, predicted] = [res.trajectory.map(clippedFloats), res.predicted.map(clippedFloats)] // empty unless kept
  return { images: clippedFloats(res.final), trajectory, predicted, ts: res.ts, dts: res.dts, cfgApplied: res.cfgApplied, nfe: res.nfe }
}

function clippedFloats(x: FloatTensor): Float32Array {
  return x.data.map((v) => Math.min(1, Math.max(-1, v)))
}
