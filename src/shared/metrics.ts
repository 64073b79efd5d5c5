// The metrics a report can carry, keyed as the reports key them: reconstruction (eval report, sweep cells, compare
// methods, ablation rows) and generation (gen-eval, the ADM evaluator's names). One entry per id with its name, unit,
// which way is better and how many digits it prints with. The CLI and every view name and format a metric from here.

export interface MetricInfo {
  readonly label: string // 'rFID', 'proxy FID', 'LPIPS (AlexNet)'
  readonly unit: string // 'dB', or '' for unitless scores and distances
  readonly better: 'higher' | 'lower'
  readonly digits: number // decimals when printed
}

/** In the order tables show them: fidelity first, then perceptual, then the set metrics (real, then proxy); then generation. */
export const METRICS = {
  psnr: { label: 'PSNR', unit: 'dB', better: 'higher', digits: 2 },
  ssim: { label: 'SSIM', unit: '', better: 'higher', digits: 4 },
  lpips_alex: { label: 'LPIPS (AlexNet)', unit: '', better: 'lower', digits: 4 },
  lpips_vgg: { label: 'LPIPS (VGG)', unit: '', better: 'lower', digits: 4 },
  fid: { label: 'rFID', unit: '', better: 'lower', digits: 2 },
  kid: { label: 'KID', unit: '', better: 'lower', digits: 5 },
  fid_proxy: { label: 'proxy FID', unit: '', better: 'lower', digits: 2 }, // offline MobileNetV2 features, never rFID
  kid_proxy: { label: 'proxy KID', unit: '', better: 'lower', digits: 5 },
  // generation (samples against real images), -proxy on the offline network
  FID: { label: 'gFID', unit: '', better: 'lower', digits: 2 },
  sFID: { label: 'sFID', unit: '', better: 'lower', digits: 2 },
  IS: { label: 'IS', unit: '', better: 'higher', digits: 2 },
  precision: { label: 'precision', unit: '', better: 'higher', digits: 4 },
  recall: { label: 'recall', unit: '', better: 'higher', digits: 4 },
  KID: { label: 'gKID', unit: '', better: 'lower', digits: 5 },
  'FID-proxy': { label: 'proxy gFID', unit: '', better: 'lower', digits: 2 },
  'sFID-proxy': { label: 'proxy sFID', unit: '', better: 'lower', digits: 2 },
  'IS-proxy': { label: 'proxy IS', unit: '', better: 'higher', digits: 2 },
  'KID-proxy': { label: 'proxy gKID', unit: '', better: 'lower', digits: 5 },
} as const satisfies Record<string, MetricInfo>

export type MetricId = keyof typeof METRICS

export const METRIC_IDS = Object.keys(METRICS) as MetricId[]

export function metricInfo(id: string): MetricInfo | undefined {
  return Object.hasOwn(METRICS, id) ? METRICS[id as MetricId] : undefined
}

/** 'rFID'; an id the registry lacks reads as itself. */
export const metricLabel = (id: string): string => metricInfo(id)?.label ?? id

/** The label with its unit, for axes and column heads: 'PSNR (dB)', 'SSIM'. */
export function metricTitle(id: string): string {
  const unit = metricInfo(id)?.unit
  return unit ? `${metricLabel(id)} (${unit})` : metricLabel(id)
}

export const higherIsBetter = (id: string): boolean => metricInfo(id)?.better !== 'lower'

/** The value with the metric's digits (4 for an unknown id); ±∞ as '∞' / '-∞', NaN as 'NaN'. */
export function formatMetric(id: string, value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞'
  return value.toFixed(metricInfo(id)?.digits ?? 4)
}

/** `ids` in registry order, unknown ones last (alphabetically). */
export function sortMetrics(ids: Iterable<string>): string[] {
  const rank = (id: string) => (Object.hasOwn(METRICS, id) ? METRIC_IDS.indexOf(id as MetricId) : METRIC_IDS.length)
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** The paper's reconstruction columns: rFID (else its proxy), PSNR, SSIM, LPIPS (VGG, else AlexNet), those `has` says a table has. */
export function paperColumns(has: (id: MetricId) => boolean): MetricId[] {
  const fid = (['fid', 'fid_proxy'] as const).find(has)
  const lpips = (['lpips_vgg', 'lpips_alex'] as const).find(has)
  return [...(fid ? [fid] : []), 'psnr', ...(has('ssim') ? ['ssim' as const] : []), ...(lpips ? [lpips] : [])]
}
