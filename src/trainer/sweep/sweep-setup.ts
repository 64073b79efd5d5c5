// What a sweep opens before it samples: the image list, the metric networks (FID/KID only on a set large enough,
// else listed as unavailable with the reason) and the shared protocol card (the eval card without one sampler).
import { resolve } from 'node:path'
import { backendInfo } from '../backend'
import { scanImageFolder, scanNotices } from '../data/dataset'
import { datasetListingHash } from '../eval/dataset-hash'
import { evalCard } from '../eval/eval-card'
import { openEvalNetworks, type EvalNetworks, type MetricName } from '../eval/networks'
import type { FastModel } from '../inference/fast-path'
import type { ModelSource } from '../inference/tf-model'
import { hashFile } from '../metrics/protocol'
import type { NoiseKeying } from '../sample/noise'
import type { SweepCard } from './sweep-result'

/** psnr, ssim, LPIPS (both nets) and FID/KID: each runs when it can, else is listed as unavailable. */
export const DEFAULT_SWEEP_METRICS: readonly MetricName[] = ['psnr', 'ssim', 'lpips', 'fid', 'kid']

/** Below this many images FID/KID are left out: 2048 is the Inception feature width, under which the
 * covariance is rank-deficient and FID mostly measures the set size. */
export const FEATURE_MIN_IMAGES = 2048

export async function sweepImagePaths(dataDir: string, imageSizePx: number, limit: number | undefined, onNotice?: (line: string) => void): Promise<string[]> {
  const scan = await scanImageFolder(dataDir, { imageSizePx })
  for (const line of scanNotices(scan)) onNotice?.(line)
  const paths = scan.usable.map((e) => e.path)
  const chosen = limit === undefined ? paths : paths.slice(0, limit)
  if (chosen.length === 0) throw new Error(`no usable images in ${dataDir}`)
  return chosen
}

export interface SweepNetworks extends EvalNetworks {
  readonly wanted: ReadonlySet<string> // psnr ssim lpips fid kid, without the -proxy suffix
}

export async function openSweepNetworks(metrics: readonly MetricName[], nImages: number, featureMinImages: number, weightsDir?: string): Promise<SweepNetworks> {
  const feature = (m: MetricName) => /^(fid|kid)/.test(m)
  const tooFew = nImages < featureMinImages
  const opened = await openEvalNetworks(tooFew ? metrics.filter((m) => !feature(m)) : metrics, weightsDir)
  const unavailable = { ...opened.unavailable }
  if (tooFew) {
    for (const m of metrics.filter(feature)) {
      unavailable[m.replace('-proxy', '_proxy')] = `${m.toUpperCase()} needs at least ${featureMinImages} images; this sweep has ${nImages}`
    }
  }
  const wanted = new Set(metrics.map((m) => m.replace(/-proxy$/, '')))
  return { ...opened, unavailable, wanted }
}

export interface CardInputs {
  readonly source: ModelSource
  readonly dataDir: string
  readonly images: readonly string[]
  readonly seed: number
  readonly noise: NoiseKeying
  readonly fast: FastModel
  readonly nets: EvalNetworks
}

export async function sweepCard(i: CardInputs): Promise<SweepCard> {
  const { model } = i.fast
  const device = 'device' in model && typeof model.device === 'string' ? model.device : (backendInfo()?.name ?? 'unknown')
  const card = evalCard({
    dataset: { path: resolve(i.dataDir), sha256: await datasetListingHash(i.dataDir, i.images), nImages: i.images.length },
    resolutionPx: model.config.imageSize,
    quantise: 'truncate', psnr: 'per-image', ssim: 'skimage-default-7x7',
    sampling: model.config.sampling, seed: i.seed, noise: i.noise,
    checkpoint: { path: resolve(i.source.checkpoint), sha256: await hashFile(i.source.checkpoint), weights: i.source.stateDict ?? 'ema', stateDict: model.info.stateDict },
    config: { source: model.info.configSource, sha256: i.source.config ? await hashFile(i.source.config) : null },
    inference: { path: i.fast.path, device },
    backend: i.fast.path === 'onnxruntime' ? `onnxruntime-node-${device}` : `tfjs-${device}`,
    network: i.nets.features?.network ?? null,
    lpips: i.nets.lpips.length > 0 ? i.nets.lpips.flatMap((m) => m.networks) : null,
    metricNetsBackend: i.nets.backend,
  })
  return { ...card, sampler: { seed: i.seed, noise: card.sampler.noise } }
}
