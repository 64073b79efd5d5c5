// Trajectory: every state of one decode, from the noise z0 (t = 1) through each Euler step to the sample (t → 0),
// clipped to [−1, 1] as RGB, with the time grid, the step sizes and where guidance applied (rf-sample.ts).
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import * as tf from '@tensorflow/tfjs-core'
import type { DecodeRequest, TrajectoryReport } from '../../shared/payloads/inspect'
import { codeInput } from '../model/flowmo'
import { TfOps } from '../model/tf-ops'
import { tfSample } from '../sample/tf-sample'
import { initialNoise } from '../sample/noise'
import type { InspectContext, JobHooks } from './context'
import { codeOf } from './decode'
import { rgbPixels } from './pixel-stats'
import { guidanceIntervalT, samplingConfig } from './sampling'

export async function trajectory(ctx: InspectContext, req: DecodeRequest, job: JobHooks): Promise<TrajectoryReport> {
  const opened = ctx.models.get(req.modelId)
  const { model, weights, config } = opened.model
  const { imageSize: S, codeLength: L, contextDim: C } = config
  const code = await codeOf(opened, ctx.images, req.imageId)
  await nextMacrotask() // let a waiting cancelJob in before the decode, which does not yield
  job.signal.throwIfAborted()
  const z0Data = initialNoise(req.seed, 0, S)
  const o = new TfOps(weights)
  const codeIn = tf.tidy(() => codeInput(o, tf.tensor3d(code, [1, L, C])))
  const z0 = tf.tensor4d(z0Data, [1, 3, S, S])
  const onStep = (step: number, steps: number) => job.progress(step, steps, `step ${step}/${steps}`)
  try {
    const res = await tfSample(model, o, z0, codeIn, samplingConfig(req.sampling), { keepTrajectory: true, signal: job.signal, onStep })
    const states = [rgbPixels(z0Data, S)]
    for (const z of res.trajectory) states.push(rgbPixels((await z.data()) as Float32Array, S)) // sync point
    tf.dispose(res.trajectory)
    return { states, ts: res.ts, dts: res.dts, cfgApplied: res.cfgApplied, intervalT: guidanceIntervalT(req.sampling) }
  } finally {
    tf.dispose([codeIn, z0])
  }
}
