// The networks an eval's metrics need, opened from the user's weight files. A missing file does not stop the eval:
// the metric is listed as unavailable with the file it needs (never computed some other way, never faked).
import type { FeatureExtractor } from '../metrics/inception-features'
import type { LpipsMetric } from '../metrics/lpips'
import type { LpipsNet } from '../nets/lpips'
import { MissingWeightsError } from '../nets/weight-files'

/** psnr ssim; lpips (= both nets, as the reference reports) or one net; fid kid (InceptionV3); fid-proxy kid-proxy (offline proxy). */
export const METRIC_NAMES = ['psnr', 'ssim', 'lpips', 'lpips-alex', 'lpips-vgg', 'fid', 'kid', 'fid-proxy', 'kid-proxy'] as const
export type MetricName = (typeof METRIC_NAMES)[number]

export function parseMetrics(text: string): MetricName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  const bad = names.filter((n) => !(METRIC_NAMES as readonly string[]).includes(n))
  if (bad.length > 0) throw new Error(`unknown metric ${bad.join(', ')} (metrics: ${METRIC_NAMES.join(', ')})`)
  const real = names.some((n) => n === 'fid' || n === 'kid')
  const proxy = names.some((n) => n.endsWith('-proxy'))
  if (real && proxy) throw new Error('fid/kid and their -proxy versions use different feature networks; run them separately')
  return [...new Set(names)] as MetricName[]
}

export interface EvalNetworks {
  readonly lpips: LpipsMetric[]
  readonly features: FeatureExtractor | null
  readonly backend: string | null // tfjs backend the networks ran on, e.g. 'tfjs-wasm'; null when none opened
  readonly unavailable: Record<string, string> // e.g. fid → "rFID/KID needs pt_inception-2015-12-05-6726825d.pth: …"
}

const lpipsNets = (metrics: readonly MetricName[]): LpipsNet[] =>
  (['alex', 'vgg'] as const).filter((net) => metrics.includes('lpips') || metrics.includes(`lpips-${net}`))

async function orUnavailable<T>(open: () => Promise<T>, keys: readonly string[], unavailable: Record<string, string>): Promise<T | null> {
  try {
    return await open()
  } catch (e) {
    if (!(e instanceof MissingWeightsError)) throw e
    for (const k of keys) unavailable[k] = e.message
    return null
  }
}

export async function openEvalNetworks(metrics: readonly MetricName[], weightsDir?: string): Promise<EvalNetworks> {
  const unavailable: Record<string, string> = {}
  if (!metrics.every((m) => m === 'psnr' || m === 'ssim')) await (await import('../backend')).initBackend() // the nets run on tfjs
  const lpips: LpipsMetric[] = []
  for (const net of lpipsNets(metrics)) {
    const { openLpipsMetric } = await import('../metrics/lpips')
    const m = await orUnavailable(() => openLpipsMetric(net, { weightsDir }), [`lpips_${net}`], unavailable)
    if (m) lpips.push(m)
  }
  const features = await openFeatures(metrics, weightsDir, unavailable)
  const backend = lpips.length > 0 || features ? `tfjs-${(await import('../backend')).backendInfo()?.name}` : null
  return { lpips, features, backend, unavailable }
}

async function openFeatures(metrics: readonly MetricName[], weightsDir: string | undefined, unavailable: Record<string, string>): Promise<FeatureExtractor | null> {
  const { openInceptionFeatures, openProxyFeatures } = await import('../metrics/inception-features')
  const real = metrics.filter((m) => m === 'fid' || m === 'kid')
  if (real.length > 0) return orUnavailable(() => openInceptionFeatures({ weightsDir }), real, unavailable)
  if (metrics.some((m) => m.endsWith('-proxy'))) return openProxyFeatures()
  return null
}

/** The metrics the report computes from the records, without the -proxy suffix (report.ts labels proxy results itself). */
export function reportedMetrics(metrics: readonly MetricName[]): Set<string> {
  return new Set(metrics.map((m) => m.replace(/-proxy$/, '')))
}
