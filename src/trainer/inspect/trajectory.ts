// Trajectory: every state of one decode, from the noise z0 (t = 1) through each Euler step to the sample (t → 0),
// clipped to [−1, 1] as RGB, beside the clean image x̂₀ = z_t − t·v̂ each state predicts, with the time grid, the step
// sizes and where guidance applied (rf-sample.ts).
import type { DecodeRequest, TrajectoryReport } from '../../shared/payloads/inspect'
import type { InspectContext, JobHooks } from './context'
import { codeOf, noiseOfImage } from './decode'
import { rgbPixels } from './pixel-stats'
import { sampleCodes } from './sample-codes'
import { guidanceIntervalT, samplingConfig } from './sampling'

export async function trajectory(ctx: InspectContext, req: DecodeRequest, job: JobHooks): Promise<TrajectoryReport> {
  const opened = ctx.models.get(req.modelId)
  const S = opened.model.config.imageSize
  const code = await codeOf(opened, ctx.images, req.imageId)
  const z0 = noiseOfImage(opened, ctx.images, req.imageId, req.seed)
  const onStep = (step: number, steps: number) => job.progress(step, steps, `step ${step}/${steps}`)
  const res = await sampleCodes(opened, code, z0, 1, samplingConfig(req.sampling), { keepTrajectory: true, signal: job.signal, onStep })
  return {
    states: [z0, ...res.trajectory].map((z) => rgbPixels(z, S)),
    predicted: [...res.predicted, res.images].map((x) => rgbPixels(x, S)), // at t = 0 the state is its own x̂₀
    ts: res.ts,
    dts: res.dts,
    cfgApplied: res.cfgApplied,
    intervalT: guidanceIntervalT(req.sampling),
    path: opened.path,
  }
}
