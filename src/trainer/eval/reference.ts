// The originals' FID/KID features of an eval (its reference set) through metrics/reference-stats-cache.ts: looked up
// before the run (a hit spares the originals' feature pass), else taken from the journal's rows after it, and cached.
import type { FeatureExtractor } from '../metrics/inception-features'
import { storeComputedReference, type ReferenceCacheOptions, type ReferenceKey, type ResolvedReference } from '../metrics/reference-stats-cache'
import type { EvalCard } from './eval-card'
import { loadImage } from './eval-run'
import { featureRows, type ImageRecord } from './journal'

/** The card fields that decide the originals' features (an eval's card, or a sweep's). */
export type ReferenceCardFields = Pick<EvalCard, 'metricsVersion' | 'dataset' | 'datasetHashMethod' | 'resolutionPx' | 'resize' | 'network' | 'metricNetsBackend'>

/** The cache key of an eval's originals: the card's dataset, resolution, resize, feature network and where it ran. */
export function evalReferenceKey(card: ReferenceCardFields): ReferenceKey | null {
  if (!card.network) return null
  return {
    metricsVersion: card.metricsVersion,
    dataset: { sha256: card.dataset.sha256, hashMethod: card.datasetHashMethod, nImages: card.dataset.nImages },
    resolutionPx: card.resolutionPx, resize: card.resize, network: card.network, backend: card.metricNetsBackend,
  }
}

/** The originals' features computed from the image files (read as the eval reads them), `batchSize` at a time. */
export async function originalFeatures(images: readonly string[], S: number, extractor: FeatureExtractor, batchSize: number): Promise<Float32Array> {
  const d = extractor.featureDim
  const per = 3 * S * S
  const out = new Float32Array(images.length * d)
  for (let start = 0; start < images.length; start += batchSize) {
    const paths = images.slice(start, start + batchSize)
    const x = new Float32Array(paths.length * per)
    for (const [b, path] of paths.entries()) x.set(await loadImage(path, S), b * per)
    out.set(await extractor.features({ layout: 'nchw-f32-signed', data: x, shape: [paths.length, 3, S, S] }), start * d)
  }
  return out
}

export interface FinishInputs {
  readonly key: ReferenceKey
  readonly hit: ResolvedReference | null // lookupReference's answer before the run
  readonly records: readonly ImageRecord[]
  readonly images: readonly string[]
  readonly extractor: FeatureExtractor
  readonly batchSize: number
  readonly cache: ReferenceCacheOptions
}

/**
 * After the run: the cache hit, else the originals' rows the journal holds, stored in the cache. A journal begun on a
 * cache hit has no original rows; if that cache file is gone when the run is resumed, the rows are computed from the images.
 */
export async function finishReference(i: FinishInputs): Promise<ResolvedReference> {
  if (i.hit) return i.hit
  let rows = featureRows(i.records, 'original')
  if (!rows) {
    i.cache.onNotice?.('reference statistics: the journal was begun with cached originals\' features that are no longer cached; computing them')
    rows = await originalFeatures(i.images, i.key.resolutionPx, i.extractor, i.batchSize)
  }
  return storeComputedReference(i.key, rows, i.cache)
}
