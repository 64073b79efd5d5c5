// The inspector's sampler call: rfSample (sample/rf-sample.ts) on tfjs as TfModel.decode runs it, except that it
// yields to the event loop before every decoder call, so a cancelJob (or any other call) reaches the engine
// mid-decode; a decode alone never yields, and one 256 px decode takes minutes on CPU.
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import * as tf from '@tensorflow/tfjs-core'
import type { SamplingConfig } from '../model/configs'
import { codeInput } from '../model/flowmo'
import { TfOps } from '../model/tf-ops'
import { rfSample } from '../sample/rf-sample'
import { tfSampleOps } from '../sample/tf-sample'
import type { OpenedModel } from './model-registry'

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

/** Samples B images from ±1 codes [B, L, C] and initial noise z0 [B, 3, S, S]. */
export async function sampleCodes(
  opened: OpenedModel, codes: Float32Array, z0: Float32Array, batch: number, sampling: SamplingConfig, opts: SampleCodesOptions = {},
): Promise<SampledCodes> {
  const { model, weights, config } = opened.model
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
