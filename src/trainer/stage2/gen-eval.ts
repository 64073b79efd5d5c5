// Generation metrics of a folder of samples against a folder of real images, as the ADM evaluator defines them: FID and
// sFID (Fréchet distances of pool_3 and spatial features), IS, precision/recall (k = 3), and KID; with a protocol card.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scanImageFolder } from '../data/dataset'
import { decodeImage, loadImageTensor } from '../data/images'
import { frechetDistance, featureStats } from '../metrics/frechet'
import { openGenerationFeatures, type GenerationFeatureRows, type GenerationFeatures } from '../metrics/generation-features'
import { inceptionScore } from '../metrics/inception-score'
import { kernelInceptionDistance } from '../metrics/kid'
import { precisionRecall } from '../metrics/precision-recall'
import type { FeatureNetwork } from '../metrics/protocol'

export const GEN_METRICS_VERSION = '1'
export const MIN_RELIABLE_SAMPLES = 2048 // below the 2048-d pool_3 width the sample covariance is rank-deficient
export const GENERATION_FILE = 'generation.json' // written by `flowmo generate` beside its samples

export interface GenEvalOptions {
  readonly samplesDir: string
  readonly refDir: string
  readonly weightsDir?: string
  readonly proxy?: boolean // use the proxy network even when the Inception weights are there
  readonly batch?: number
  readonly onProgress?: (what: string, done: number, total: number) => void
}

export interface GenProtocolCard {
  readonly metricsVersion: string
  readonly network: FeatureNetwork
  readonly proxy: boolean
  readonly proxyReason: string | null // why the proxy ran (missing weights, or asked for)
  readonly samples: { readonly dir: string; readonly n: number; readonly generation: unknown } // generation: the generator's card, when present
  readonly reference: { readonly dir: string; readonly n: number }
  readonly imageSizePx: number // both sets are read at the samples' size (resize shorter side + centre crop)
  readonly precisionRecallK: number
  readonly isSplitSize: number
  readonly kid: { readonly subsets: number; readonly subsetSize: number }
}

export interface GenEvalReport {
  readonly metrics: Record<string, number> // FID, sFID, IS, KID (each '-proxy' on the proxy network), precision, recall
  readonly protocol: GenProtocolCard
  readonly warnings: readonly string[]
}

async function loadFolder(dir: string, sizePx: number, onProgress?: (done: number, total: number) => void): Promise<{ data: Float32Array; n: number }> {
  const scan = await scanImageFolder(dir, { imageSizePx: sizePx, verify: 'header' })
  const per = 3 * sizePx * sizePx
  const data = new Float32Array(scan.usable.length * per)
  for (const [i, e] of scan.usable.entries()) {
    data.set(await loadImageTensor(e.path, sizePx, 'center'), i * per)
    onProgress?.(i + 1, scan.usable.length)
  }
  return { data, n: scan.usable.length }
}

/** Every metric from the two sets' feature rows (exported for tests with fixture features). */
export function generationMetrics(real: GenerationFeatureRows, nr: number, fake: GenerationFeatureRows, nf: number, f: Pick<GenerationFeatures, 'poolDim' | 'spatialDim' | 'classes' | 'isProxy'>) {
  const suffix = f.isProxy ? '-proxy' : ''
  const fid = frechetDistance(featureStats(fake.pool, nf, f.poolDim), featureStats(real.pool, nr, f.poolDim)).value
  const sfid = frechetDistance(featureStats(fake.spatial, nf, f.spatialDim), featureStats(real.spatial, nr, f.spatialDim)).value
  const is = inceptionScore(fake.probs, nf, f.classes)
  const pr = precisionRecall(real.pool, nr, fake.pool, nf, f.poolDim, 3)
  const kid = kernelInceptionDistance(fake.pool, real.pool, f.poolDim, { subsets: 100, subsetSize: 1000 })
  return {
    metrics: { [`FID${suffix}`]: fid, [`sFID${suffix}`]: sfid, [`IS${suffix}`]: is.value, precision: pr.precision, recall: pr.recall, [`KID${suffix}`]: kid.mean },
    isSplitSize: is.splitSize, kid: { subsets: kid.subsets, subsetSize: kid.subsetSize },
  }
}

export async function evaluateGeneration(opts: GenEvalOptions): Promise<GenEvalReport> {
  const first = (await scanImageFolder(opts.samplesDir, { imageSizePx: 1, verify: 'header' })).usable[0]
  const probe = await decodeImage(first.path)
  const sizePx = Math.min(probe.h, probe.w)
  const { features, why } = await openGenerationFeatures({ weightsDir: opts.weightsDir, proxy: opts.proxy })
  try {
    const progress = (what: string) => (done: number, total: number) => opts.onProgress?.(what, done, total)
    const fake = await loadFolder(opts.samplesDir, sizePx, progress('read samples'))
    const real = await loadFolder(opts.refDir, sizePx, progress('read reference'))
    const shape = (n: number) => [n, 3, sizePx, sizePx] as [number, number, number, number]
    opts.onProgress?.('features', 0, fake.n + real.n)
    const ff = await features.extract({ layout: 'nchw-f32-signed', data: fake.data, shape: shape(fake.n) }, opts.batch)
    opts.onProgress?.('features', fake.n, fake.n + real.n)
    const fr = await features.extract({ layout: 'nchw-f32-signed', data: real.data, shape: shape(real.n) }, opts.batch)
    opts.onProgress?.('features', fake.n + real.n, fake.n + real.n)
    const m = generationMetrics(fr, real.n, ff, fake.n, features)
    const warnings: string[] = []
    for (const [name, n] of [['samples', fake.n], ['reference images', real.n]] as const) {
      if (n < MIN_RELIABLE_SAMPLES) warnings.push(`only ${n} ${name} (< ${MIN_RELIABLE_SAMPLES}): FID/sFID are biased upward; compare runs only at the same N, and prefer KID`)
    }
    if (features.isProxy) warnings.push(`proxy network (${why}): FID-proxy/sFID-proxy/IS-proxy/KID-proxy are not comparable with published gFID, sFID or IS`)
    const protocol: GenProtocolCard = {
      metricsVersion: GEN_METRICS_VERSION, network: features.network, proxy: features.isProxy, proxyReason: why,
      samples: { dir: opts.samplesDir, n: fake.n, generation: await readGenerationCard(opts.samplesDir) },
      reference: { dir: opts.refDir, n: real.n }, imageSizePx: sizePx, precisionRecallK: 3, isSplitSize: m.isSplitSize, kid: m.kid,
    }
    return { metrics: m.metrics, protocol, warnings }
  } finally {
    features.dispose()
  }
}

async function readGenerationCard(dir: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(dir, GENERATION_FILE), 'utf8'))
  } catch {
    return null // samples from elsewhere: no generator card
  }
}
