// The eval loop (reference evaluate.py): load → reconstruct with noise seeded per image (sample/noise.ts) → clamp → per-image
// MSE/SSIM after the uint8 step, LPIPS, feature rows for FID/KID, the code bits; each batch appended to the journal.
import { BadImageError, loadImageTensor } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import type { FeatureExtractor } from '../metrics/inception-features'
import { toUnitPixels, type ImagesNCHW, type Quantise } from '../metrics/images'
import type { LpipsMetric } from '../metrics/lpips'
import { ssim, type SsimVariant } from '../metrics/ssim'
import type { SamplingConfig } from '../model/configs'
import type { NoiseKeying } from '../sample/noise'
import { encodeFloats, packCode, type ImageRecord, type Journal } from './journal'

export interface EvalJob {
  readonly model: InferenceModel
  readonly images: readonly string[] // sorted
  readonly sampling: Partial<SamplingConfig>
  readonly seed: number
  readonly noise: NoiseKeying // 'image': z0 from (seed, the image's content); 'index': from (seed, i)
  readonly quantise: Quantise
  readonly ssimVariant: SsimVariant
  readonly batchSize: number // e.g. 5, as the reference
  readonly lpips: readonly LpipsMetric[]
  readonly features: FeatureExtractor | null
  readonly originalsCached: boolean // true: the originals' features come from the reference cache; only reconstructions' are computed
  readonly journal: Journal
  readonly skip?: ReadonlySet<number> // images other shards evaluate (eval/shard.ts)
  readonly onProgress?: (done: number, total: number) => void
  readonly onImages?: ImagesHook
  readonly signal?: AbortSignal // stops after the batch in flight is journalled
}

/** Sees each batch's originals and reconstructions (NCHW [-1, 1], [B, 3, S, S]) as they are scored, e.g. for thumbnails. */
export type ImagesHook = (indices: readonly number[], originals: Float32Array, reconstructions: Float32Array, S: number) => void

/** Runs of consecutive indices not in the journal, cut into batches of at most `size` (a batch is consecutive, so 'index' noise stays per index). */
export function pendingBatches(total: number, done: { has(index: number): boolean }, size: number): number[][] {
  const batches: number[][] = []
  let current: number[] = []
  for (let i = 0; i < total; i++) {
    const breaks = done.has(i) || (current.length > 0 && current[current.length - 1] !== i - 1) || current.length === size
    if (breaks && current.length > 0) batches.push(current)
    if (breaks) current = []
    if (!done.has(i)) current.push(i)
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/** Per-image mean squared error on [0,1] pixels after the uint8 step. */
export function perImageMse(rec: ImagesNCHW, orig: ImagesNCHW, quantise: Quantise): Float64Array {
  const x = toUnitPixels(rec, quantise)
  const y = toUnitPixels(orig, quantise)
  const per = x.c * x.h * x.w
  return Float64Array.from({ length: x.n }, (_, b) => {
    let s = 0
    for (let i = b * per; i < (b + 1) * per; i++) s += (x.data[i] - y.data[i]) ** 2
    return s / per
  })
}

/** Evaluates every image the journal does not hold yet (and no other shard takes); returns all records in image order. */
export async function runEval(job: EvalJob): Promise<ImageRecord[]> {
  const skip = job.skip ?? new Set<number>()
  const total = job.images.length - skip.size
  const settled = { has: (i: number) => job.journal.done.has(i) || skip.has(i) }
  job.onProgress?.(job.journal.done.size, total)
  for (const batch of pendingBatches(job.images.length, settled, job.batchSize)) {
    if (job.signal?.aborted) break
    await job.journal.append(await evalBatch(job, batch))
    job.onProgress?.(job.journal.done.size, total)
  }
  return [...job.journal.done.values()].sort((a, b) => a.index - b.index)
}

async function evalBatch(job: EvalJob, indices: readonly number[]): Promise<ImageRecord[]> {
  const { model } = job
  const S = model.config.imageSize
  const B = indices.length
  const per = 3 * S * S
  const x = new Float32Array(B * per)
  for (let b = 0; b < B; b++) x.set(await loadImage(job.images[indices[b]], S), b * per)
  const res = await model.reconstruct(x, B, { sampling: job.sampling, seed: job.seed, noise: job.noise, firstIndex: indices[0] })
  const orig: ImagesNCHW = { layout: 'nchw-f32-signed', data: x, shape: [B, 3, S, S] }
  const rec: ImagesNCHW = { layout: 'nchw-f32-signed', data: res.images, shape: [B, 3, S, S] }
  job.onImages?.(indices, x, res.images, S)
  const mse = perImageMse(rec, orig, job.quantise)
  const ssimPer = ssim(rec, orig, { variant: job.ssimVariant, quantise: job.quantise }).perImage
  const lpips = await Promise.all(job.lpips.map(async (m) => [m.net, await m.lpips(rec, orig)] as const))
  const feats = job.features && {
    original: job.originalsCached ? null : await job.features.features(orig),
    reconstruction: await job.features.features(rec),
  }
  const codeSize = model.config.codeLength * model.config.contextDim
  const d = job.features?.featureDim ?? 0
  return indices.map((index, b) => ({
    index,
    path: job.images[index],
    mse: mse[b],
    ssim: ssimPer[b],
    lpips: Object.fromEntries(lpips.map(([net, v]) => [net, v[b]])),
    code: packCode(res.code.subarray(b * codeSize, (b + 1) * codeSize)),
    features: feats && {
      original: feats.original && encodeFloats(feats.original.slice(b * d, (b + 1) * d)),
      reconstruction: encodeFloats(feats.reconstruction.slice(b * d, (b + 1) * d)),
    },
  }))
}

/** An original as the eval reads it (data/images.ts 'center': resize the shorter side, centre crop), NCHW [-1, 1]. */
export async function loadImage(path: string, S: number): Promise<Float32Array> {
  try {
    return await loadImageTensor(path, S, 'center')
  } catch (e) {
    if (e instanceof BadImageError) throw e // its message names the file
    throw new Error(`cannot read image ${path}: ${(e as Error).message}`)
  }
}
