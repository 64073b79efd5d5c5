// Reconstruction inspector: original | reconstruction | |error| map, PSNR / SSIM / LPIPS, the code, NFE, time and
// the inference path that decoded it.
import type { DecodeRequest, ReconstructReport } from '../../shared/payloads/inspect'
import { heatPixels } from '../../shared/colour-maps'
import type { InspectContext, JobHooks } from './context'
import { codeOf, decodeSameNoise, noiseOfImage } from './decode'
import { psnrEach, ssimOne } from './image-metrics'
import { absDiffMap, maxOf, rgbPixels } from './pixel-stats'

export async function reconstructImage(ctx: InspectContext, req: DecodeRequest, job: JobHooks): Promise<ReconstructReport> {
  const started = performance.now()
  const opened = ctx.models.get(req.modelId)
  const { imageSize: S, codeLength: L, contextDim: C } = opened.model.config
  const original = ctx.images.modelInput(req.imageId, S)
  const code = await codeOf(opened, ctx.images, req.imageId)
  const onStep = (step: number, steps: number) => job.progress(step, steps, `step ${step}/${steps}`)
  const { images, nfe } = await decodeSameNoise(opened, code, noiseOfImage(opened, ctx.images, req.imageId, req.seed), req, { signal: job.signal, onStep })
  const ms = performance.now() - started
  const error = absDiffMap(images, original, S * S)
  const errorMax = maxOf(error)
  const lpips = await ctx.lpips.each(images, original, S)
  return {
    original: rgbPixels(original, S),
    reconstruction: rgbPixels(images, S),
    errorMap: heatPixels(error, errorMax, S, S),
    errorMax,
    error,
    psnr: psnrEach(images, original, S)[0],
    ssim: ssimOne(images, original, S),
    lpips: lpips ? lpips[0] : null,
    lpipsNote: ctx.lpips.note,
    code: Float32Array.from(code),
    L,
    C,
    nfe,
    ms,
    path: opened.path,
  }
}
