// Token bit-map: flip chosen bits of an image's code and decode base and flipped codes from the SAME noise, so the
// difference map shows what those bits carry and nothing of the sampler's randomness.
import type { FlipBitsReport, FlipBitsRequest } from '../../shared/payloads/inspect'
import { heatPixels } from '../../shared/colour-maps'
import type { InspectContext, JobHooks } from './context'
import { checkBit, codeOf, decodeSameNoise, flipCode, noiseOfImage } from './decode'
import { psnrEach } from './image-metrics'
import { absDiffMap, maxOf, meanOf, rgbPixels } from './pixel-stats'

export async function flipBits(ctx: InspectContext, req: FlipBitsRequest, job: JobHooks): Promise<FlipBitsReport> {
  const opened = ctx.models.get(req.modelId)
  const { imageSize: S, contextDim: C } = opened.model.config
  for (const { token, bit } of req.flips) checkBit(opened, token, bit)
  const code = await codeOf(opened, ctx.images, req.imageId)
  const flipped = flipCode(code, C, req.flips)
  const both = new Float32Array(2 * code.length)
  both.set(code)
  both.set(flipped, code.length)
  const onStep = (step: number, steps: number) => job.progress(step, steps, `step ${step}/${steps}`)
  const { images } = await decodeSameNoise(opened, both, noiseOfImage(opened, ctx.images, req.imageId, req.seed), req, { signal: job.signal, onStep }) // one batch: base, flipped
  const n = 3 * S * S
  const [base, after] = [images.subarray(0, n), images.subarray(n)]
  const diff = absDiffMap(after, base, S * S)
  const diffMax = maxOf(diff)
  const [psnrBase, psnrFlipped] = psnrEach(images, ctx.images.modelInput(req.imageId, S), S)
  return {
    base: rgbPixels(base, S),
    flipped: rgbPixels(after, S),
    diffMap: heatPixels(diff, diffMax, S, S),
    diffMax,
    meanAbsDiff: meanOf(diff),
    deltaPsnr: psnrFlipped - psnrBase,
    code: Float32Array.from(flipped),
    path: opened.path,
  }
}
