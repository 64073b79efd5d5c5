// The inspector's sampler call, on the model's path. tfjs: rfSample (sample/rf-sample.ts) as TfModel.decode runs
// it, except that it yields to the event loop before every decoder call, so a cancelJob (or any other call) reaches
// the engine mid-decode (a tfjs decode alone never yields). onnxruntime: OrtModel.sample, whose decoder runs are async.
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import * as tf from '@tensorflow/tfjs-core'
import type { SamplingConfig } from '../model/configs'
import { codeInput } from '../model/flowmo'
import { TfOps } from '../model/tf-ops'
import { rfSample } from '../sample/rf-sample'
import { tfSampleOps } from '../sample/tf-sample'
import type { FloatTensor } from '../export/ort-runner'
import type { OrtModel } from '../inference/ort-model'
import type { TfModel } from '../inference/tf-model'
import type { PathModel } from './model-registry'

export interface SampleCodesOptions {
  readonly signal?: AbortSignal
  readonly onStep?: (step: number, steps: number) => void
  readonly keepTrajectory?: boolean
}

export interface SampledCodes {
  readonly images: Float32Array // [B, 3, S, S], clipped to [−1, 1]
  readonly trajectory: Float32Array[] // z after each step, clipped (when kept)
  readonly ts: Float32Array
  readonly dts: Float32Array
  readonly cfgApplied: boolean[]
  readonly nfe: number
}

/** Samples B images from ±1 codes [B, L, C] and initial noise z0 [B, 3, S, S]; the same on both paths. */
export function sampleCodes(
  opened: PathModel, codes: Float32Array, z0: Float32Array, batch: number, sampling: SamplingConfig, opts: SampleCodesOptions = {},
): Promise<SampledCodes> {
  return opened.path === 'onnxruntime'
    ? sampleOnnx(opened.model, codes, z0, batch, sampling, opts)
    : sampleTfjs(opened.model, codes, z0, batch, sampling, opts)
}

async function sampleOnnx(
  model: OrtModel, codes: Float32Array, z0: Float32Array, batch: number, sampling: SamplingConfig, opts: SampleCodesOptions,
): Promise<SampledCodes> {
  const res = await model.sample(codes, z0, batch, { sampling, keepTrajectory: opts.keepTrajectory, onStep: opts.onStep, signal: opts.signal })
  const trajectory = opts.keepTrajectory ? res.trajectory.map(clippedFloats) : []
  return { images: clippedFloats(res.final), trajectory, ts: res.ts, dts: res.dts, cfgApplied: res.cfgApplied, nfe: res.nfe }
}

function clippedFloats(x: FloatTensor): Float32Array {
  return x.data.map((v) => Math.min(1, Math.max(-1, v)))
}

async function sampleTfjs(
  tfModel: TfModel, codes: Float32Array, z0: Float32Array, batch: number, sampling: SamplingConfig, opts: SampleCodesOptions,
): Promise<SampledCodes> {
  const { model, weights, config } = tfModel
  const { imageSize: S, codeLength: L, contextDim: C } = config
  const o = new TfOps(weights)
  const codeIn = tf.tidy(() => codeInput(o, tf.tensor3d(codes, [batch, L, C])))
  const z = tf.tensor4d(z0, [batch, 3, S, S])
  const velocity = async (x: tf.Tensor, code: tf.Tensor, t: number) => {
    await nextMacrotask()
    opts.signal?.throwIfAborted()
    return tf.tidy(() => model.decode(o, x, code, tf.fill([batch], t, 'float32')))
  }
  try {
    const res = await rfSample(tfSampleOps, velocity, z, codeIn, sampling, opts)
    const trajectory: Float32Array[] = []
    for (const state of res.trajectory) trajectory.push(await clipped(state))
    const images = await clipped(res.final)
    tf.dispose(opts.keepTrajectory ? res.trajectory : [res.final])
    return { images, trajectory, ts: res.ts, dts: res.dts, cfgApplied: res.cfgApplied, nfe: res.nfe }
  } finally {
    tf.dispose([codeIn, z])
  }
}

async function clipped(x: tf.Tensor): Promise<Float32Array> {
  const c = tf.clipByValue(x, -1, 1)
  const data = (await c.data()) as Float32Array // sync point
  c.dispose()
  return data
}
