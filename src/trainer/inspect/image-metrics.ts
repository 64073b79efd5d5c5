// Per-image quality numbers for the views, in `flowmo eval`'s and the sweeps' conventions (PSNR per image and SSIM
// skimage 7×7, after the reference's uint8 truncation) so an image scores the same here as there, and LPIPS-AlexNet
// when its weights are installed (src/trainer/metrics/lpips.ts).
import type { ImagesNCHW } from '../metrics/images'
import { openLpipsMetric, type LpipsMetric } from '../metrics/lpips'
import { psnr } from '../metrics/psnr'
import { ssim } from '../metrics/ssim'

const nchw = (data: Float32Array, S: number, n = 1): ImagesNCHW => ({ layout: 'nchw-f32-signed', data, shape: [n, 3, S, S] })

/** PSNR (dB) of each image in `images` ([n, 3, S, S]) against one `original` [3, S, S]. */
export function psnrEach(images: Float32Array, original: Float32Array, S: number): Float64Array {
  const n = images.length / original.length
  const originals = new Float32Array(images.length)
  for (let b = 0; b < n; b++) originals.set(original, b * original.length)
  return psnr(nchw(images, S, n), nchw(originals, S, n), { convention: 'per-image', quantise: 'truncate' }).perImage
}

export function ssimOne(image: Float32Array, original: Float32Array, S: number): number {
  return ssim(nchw(image, S), nchw(original, S), { variant: 'skimage-default-7x7', quantise: 'truncate' }).value
}

/** LPIPS-AlexNet, loaded on first use; `note` says why values are null when the weights are missing. */
export class LpipsOnDemand {
  private metric: Promise<LpipsMetric | null> | null = null
  note = 'LPIPS: not computed yet'

  /** LPIPS of each image in `images` ([n, 3, S, S]) against `original` [3, S, S], or null without weights. */
  async each(images: Float32Array, original: Float32Array, S: number): Promise<Float32Array | null> {
    const metric = await this.load()
    if (!metric) return null
    const n = images.length / original.length
    const originals = new Float32Array(images.length)
    for (let b = 0; b < n; b++) originals.set(original, b * original.length)
    try {
      return await metric.lpips(nchw(images, S, n), nchw(originals, S, n))
    } catch (error) {
      this.note = `LPIPS: failed on ${S}×${S} images (${(error as Error).message})`
      return null
    }
  }

  private load(): Promise<LpipsMetric | null> {
    this.metric ??= openLpipsMetric('alex').then(
      (metric) => ((this.note = 'LPIPS-AlexNet v0.1'), metric),
      (error: Error) => ((this.note = `LPIPS: needs weights (${error.message.split(/[:\n]/)[0]})`), null),
    )
    return this.metric
  }
}
