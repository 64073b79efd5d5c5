// Sample variance (paper Fig. 8): K decodes of one code with seeds seed … seed+K−1 → each sample as it arrives,
// with its PSNR against the original, then the mean image and the per-pixel standard deviation map.
import type { DecodePath, RgbPixels, VarianceReport, VarianceRequest } from '../../shared/payloads/inspect'
import { heatPixels } from '../../shared/colour-maps'
import type { InspectContext, JobHooks } from './context'
import { codeOf, decodeSameNoise, noiseOfImage } from './decode'
import { psnrEach } from './image-metrics'
import { maxOf, rgbPixels, sampleStats } from './pixel-stats'

/** psnr: the sample against the original, dB (per image, uint8 truncation, as `flowmo eval`). */
export type OnSample = (index: number, seed: number, image: RgbPixels, psnr: number) => void

/** The K decoded samples, CHW [3, S, S] each; `onSample` sees each one as it is done. */
export async function varianceSamples(ctx: InspectContext, req: VarianceRequest, job: JobHooks, onSample: OnSample): Promise<Float32Array[]> {
  const opened = ctx.models.get(req.modelId)
  const S = opened.model.config.imageSize
  const code = await codeOf(opened, ctx.images, req.imageId)
  const original = ctx.images.modelInput(req.imageId, S)
  const samples: Float32Array[] = []
  for (let i = 0; i < req.k; i++) {
    const seed = req.seed + i
    const { images } = await decodeSameNoise(opened, code, noiseOfImage(opened, ctx.images, req.imageId, seed), req, { signal: job.signal })
    samples.push(images)
    onSample(i, seed, rgbPixels(images, S), psnrEach(images, original, S)[0])
    job.progress(i + 1, req.k, `sample ${i + 1}/${req.k}`)
  }
  return samples
}

export function varianceReport(samples: readonly Float32Array[], S: number, path: DecodePath): VarianceReport {
  const { mean, std } = sampleStats(samples, S * S)
  const stdMax = maxOf(std)
  return { k: samples.length, mean: rgbPixels(mean, S), std, stdMax, stdMap: heatPixels(std, stdMax, S, S), colourMap: 'inferno', path }
}

export async function sampleVariance(ctx: InspectContext, req: VarianceRequest, job: JobHooks, onSample: OnSample): Promise<VarianceReport> {
  const samples = await varianceSamples(ctx, req, job, onSample)
  const opened = ctx.models.get(req.modelId)
  return varianceReport(samples, opened.model.config.imageSize, opened.path)
}
