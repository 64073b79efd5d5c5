// One sweep cell's metrics, gathered batch by batch with the eval's conventions (eval-run.ts: per-image PSNR and
// skimage 7×7 SSIM after the uint8 truncation, LPIPS on [−1, 1]) plus FID/KID between original and cell features.
import { perImageMse } from '../eval/eval-run'
import { setFrechetDistance } from '../metrics/frechet-rows'
import type { ReferenceFeatures } from '../metrics/reference-stats-cache'
import type { ImagesNCHW, Quantise } from '../metrics/images'
import type { FeatureExtractor } from '../metrics/inception-features'
import { kernelInceptionDistance } from '../metrics/kid'
import type { LpipsMetric } from '../metrics/lpips'
import { ssim, type SsimVariant } from '../metrics/ssim'

export interface ScoreNetworks {
  readonly quantise: Quantise // 'truncate', as the reference
  readonly ssimVariant: SsimVariant // 'skimage-default-7x7', as the reference
  readonly lpips: readonly LpipsMetric[]
  readonly features: FeatureExtractor | null // only when the set is large enough for FID/KID
  readonly wanted: ReadonlySet<string> // psnr ssim fid kid (lpips follows the opened nets)
}

const mean = (xs: readonly number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length

export class CellScores {
  private readonly perImage: Record<string, number[]> = {}
  private readonly featureRows: Float32Array[] = []

  constructor(private readonly nets: ScoreNetworks) {}

  /** Scores one batch of reconstructions against its originals (both NCHW in [−1, 1]). */
  async add(rec: ImagesNCHW, orig: ImagesNCHW): Promise<void> {
    const { quantise, ssimVariant, wanted } = this.nets
    if (wanted.has('psnr')) this.push('psnr', [...perImageMse(rec, orig, quantise)].map((mse) => 10 * Math.log10(1 / mse)))
    if (wanted.has('ssim')) this.push('ssim', [...ssim(rec, orig, { variant: ssimVariant, quantise }).perImage])
    for (const m of this.nets.lpips) this.push(`lpips_${m.net}`, [...(await m.lpips(rec, orig))])
    if (this.nets.features) this.featureRows.push(await this.nets.features.features(rec))
  }

  /** Means over images, FID/KID against the originals' features and statistics (shared by all cells), and the per-image values. */
  finish(reference: ReferenceFeatures | null): { metrics: Record<string, number>; perImage: Record<string, number[]> } {
    const metrics: Record<string, number> = {}
    for (const [k, xs] of Object.entries(this.perImage)) metrics[k] = mean(xs)
    const f = this.nets.features
    if (f && reference) Object.assign(metrics, this.featureMetrics(f, reference))
    return { metrics, perImage: this.perImage }
  }

  private featureMetrics(f: FeatureExtractor, reference: ReferenceFeatures): Record<string, number> {
    const d = f.featureDim
    const fx = reference.rows
    const fy = new Float32Array(fx.length)
    let offset = 0
    for (const rows of this.featureRows) fy.set(rows, (offset += rows.length) - rows.length)
    const suffix = f.isProxy ? '_proxy' : ''
    const out: Record<string, number> = {}
    if (this.nets.wanted.has('fid')) out[`fid${suffix}`] = setFrechetDistance(fx, fy, fy.length / d, d, reference.stats).value
    if (this.nets.wanted.has('kid')) out[`kid${suffix}`] = kernelInceptionDistance(fx, fy, d).mean
    return out
  }

  private push(metric: string, values: number[]): void {
    ;(this.perImage[metric] ??= []).push(...values)
  }
}
