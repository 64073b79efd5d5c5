// The perceptual and set-level metrics of a comparison, with the eval's networks and conventions (eval/networks.ts,
// eval/report.ts): LPIPS per image on [−1, 1], and FID/KID between all originals and one method's reconstructions.
// Real rFID/KID use pytorch-fid's InceptionV3; the offline proxy's numbers are keyed fid_proxy/kid_proxy, never fid.
import type { CompareMetric } from '../../shared/payloads/jobs'
import { toModelInput, type RgbImage } from '../data/images'
import { openEvalNetworks } from '../eval/networks'
import { singularCovarianceNote } from '../eval/report'
import type { ImagesNCHW } from '../metrics/images'
import type { FeatureExtractor } from '../metrics/inception-features'
import { kernelInceptionDistance } from '../metrics/kid'
import type { LpipsMetric } from '../metrics/lpips'
import type { FeatureNetwork } from '../metrics/protocol'
import { setFrechetDistance } from '../metrics/frechet-rows'

/** A feature network and the set metrics it serves; `suffix` is '_proxy' for the proxy network. */
export interface SetFeatures {
  readonly extractor: FeatureExtractor
  readonly suffix: '' | '_proxy'
  readonly fid: boolean
  readonly kid: boolean
}

export interface CompareNetworks {
  readonly lpips: readonly LpipsMetric[]
  readonly features: readonly SetFeatures[] // the real network, the proxy, both or none
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run (eval's MissingWeightsError text)
}

/** Per method: LPIPS per image (by net) and the report's metrics, keyed as eval's report (lpips_alex, fid, kid_proxy …). */
export interface MethodMetrics {
  readonly perImageLpips: readonly Readonly<Record<string, number>>[] // image order; {} per image when LPIPS did not run
  readonly metrics: Readonly<Record<string, number>>
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

export const NO_NETWORKS: CompareNetworks = { lpips: [], features: [], unavailable: {} }

const setMetrics = (features: FeatureExtractor, metrics: readonly CompareMetric[], proxy: boolean): SetFeatures => ({
  extractor: features, suffix: proxy ? '_proxy' : '',
  fid: metrics.includes(proxy ? 'fid-proxy' : 'fid'), kid: metrics.includes(proxy ? 'kid-proxy' : 'kid'),
})

/** Opens the networks the metrics need from `weightsDir`; a missing weight file lists its metrics as unavailable. */
export async function openCompareNetworks(metrics: readonly CompareMetric[], weightsDir?: string): Promise<CompareNetworks> {
  const real = metrics.filter((m) => !m.endsWith('-proxy'))
  const proxy = metrics.filter((m) => m.endsWith('-proxy'))
  const opened = [real, proxy].filter((ms) => ms.length > 0)
  const nets = await Promise.all(opened.map((ms) => openEvalNetworks(ms, weightsDir)))
  return {
    lpips: nets.flatMap((n) => n.lpips),
    features: nets.flatMap((n) => (n.features ? [setMetrics(n.features, metrics, n.features.isProxy)] : [])),
    unavailable: Object.assign({}, ...nets.map((n) => n.unavailable)) as Record<string, string>,
  }
}

export function disposeCompareNetworks(nets: CompareNetworks): void {
  for (const m of nets.lpips) m.dispose()
  for (const f of nets.features) f.extractor.dispose()
}

/** The files behind the numbers, for the report: each LPIPS net's backbone and heads, each feature network. */
export const compareNetworkFiles = (nets: CompareNetworks): FeatureNetwork[] =>
  [...nets.lpips.flatMap((m) => m.networks), ...nets.features.map((f) => f.extractor.network)]

/** Square RGB images of one size → NCHW float in [−1, 1] (pixel/127.5 − 1, as the model input). */
export function signedImages(images: readonly RgbImage[]): ImagesNCHW {
  const [h, w] = [images[0].h, images[0].w]
  const data = new Float32Array(images.length * 3 * h * w)
  images.forEach((img, i) => data.set(toModelInput(img.rgb, h, w), i * 3 * h * w))
  return { layout: 'nchw-f32-signed', data, shape: [images.length, 3, h, w] }
}

/** Each feature network's rows for the originals, computed once per comparison (none for a single image: no FID/KID). */
export function originalFeatures(nets: CompareNetworks, originals: ImagesNCHW): Promise<Float32Array[]> {
  return Promise.all(originals.shape[0] < 2 ? [] : nets.features.map((f) => f.extractor.features(originals)))
}

/** Metrics that cannot run on this many images (FID/KID need two), with eval's wording; and caveats on the rest. */
export function setSizeNotes(nets: CompareNetworks, nImages: number): { unavailable: Record<string, string>; warnings: Record<string, string> } {
  const [unavailable, warnings]: Record<string, string>[] = [{}, {}]
  for (const f of nets.features) {
    const d = f.extractor.featureDim
    const names = [...(f.fid ? ['fid'] : []), ...(f.kid ? ['kid'] : [])].map((m) => `${m}${f.suffix}`)
    for (const name of names) {
      if (nImages < 2) unavailable[name] = 'needs at least 2 images'
      else if (name.startsWith('fid') && nImages <= d) warnings[name] = singularCovarianceNote(nImages, d)
      else if (name.startsWith('kid') && nImages < 1000) warnings[name] = `${nImages} images < 1000: KID's subsets hold ${nImages} images instead of 1000, so its value is noisy`
    }
  }
  return { unavailable, warnings }
}

/** LPIPS per image and FID/KID of one method's reconstructions against the originals (`fx`: originalFeatures). */
export async function methodMetrics(nets: CompareNetworks, originals: ImagesNCHW, fx: readonly Float32Array[], recs: readonly RgbImage[]): Promise<MethodMetrics> {
  const y = signedImages(recs)
  const n = recs.length
  const metrics: Record<string, number> = {}
  const details: Record<string, Record<string, unknown>> = {}
  const lpips = await Promise.all(nets.lpips.map(async (m) => [m.net, await m.lpips(y, originals)] as const))
  for (const [net, values] of lpips) {
    metrics[`lpips_${net}`] = values.reduce((a, v) => a + v, 0) / n
    details[`lpips_${net}`] = { net, version: 'v0.1', input: '[-1,1], no uint8 step' }
  }
  for (const [k, f] of nets.features.entries()) {
    if (n < 2) continue
    const fy = await f.extractor.features(y)
    Object.assign(metrics, setDistances(f, fx[k], fy, n, details))
  }
  const perImageLpips = Array.from({ length: n }, (_, i) => Object.fromEntries(lpips.map(([net, v]) => [net, v[i]])))
  return { perImageLpips, metrics, details }
}

function setDistances(f: SetFeatures, fx: Float32Array, fy: Float32Array, n: number, details: Record<string, Record<string, unknown>>): Record<string, number> {
  const d = f.extractor.featureDim
  const out: Record<string, number> = {}
  const proxy = f.suffix === '_proxy'
  if (f.fid) {
    const fid = setFrechetDistance(fx, fy, n, d)
    out[`fid${f.suffix}`] = fid.value
    details[`fid${f.suffix}`] = { between: 'originals and their reconstructions', featureDim: d, meanTerm: fid.meanTerm, proxy, network: f.extractor.network.name }
  }
  if (f.kid) {
    const kid = kernelInceptionDistance(fx, fy, d)
    out[`kid${f.suffix}`] = kid.mean
    details[`kid${f.suffix}`] = { std: kid.std, subsets: kid.subsets, subsetSize: kid.subsetSize, seed: kid.seed, proxy, network: f.extractor.network.name }
  }
  return out
}
