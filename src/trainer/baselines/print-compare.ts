// The terminal summary of a comparison (`flowmo compare`), as the Compare view's summary: one row per method with
// its stated and mean actual BPP, PSNR, SSIM and each metric that ran (proxy FID/KID named so), then the notes.
import { formatMetric, metricLabel, sortMetrics } from '../../shared/metrics'
import type { MethodComparison } from './compare'
import type { CompareResult } from './run-compare'


const mean = (rows: readonly MethodComparison[], f: (m: MethodComparison) => number): string[] => rows.map((m) => f(m).toFixed(4))

/** Images whose codec could not go as low as the target (the smallest file is used), per method. */
function floorNotes(methods: readonly MethodComparison[]): string[] {
  return methods.flatMap((m) => {
    const n = m.reconstructions.filter((r) => r.settings.belowFloor === true).length
    return n > 0 ? [`${m.id}: ${n} of ${m.reconstructions.length} images below the codec's lowest rate (its smallest file is used)`] : []
  })
}

export function formatCompare(result: CompareResult): string {
  const ms = result.methods
  const keys = sortMetrics(ms.flatMap((m) => Object.keys(m.metrics))) // named by src/shared/metrics.ts: proxies never read as rFID/KID
  const columns: [string, string[]][] = [
    ['method', ms.map((m) => m.id)],
    ['stated bpp', mean(ms, (m) => m.nominalBpp)],
    ['bpp', mean(ms, (m) => m.meanBpp)],
    ['psnr', ms.map((m) => formatMetric('psnr', Math.min(m.meanPsnr, 100)))],
    ['ssim', ms.map((m) => formatMetric('ssim', m.meanSsim))],
    ...keys.map((k): [string, string[]] => [metricLabel(k), ms.map((m) => (k in m.metrics ? formatMetric(k, m.metrics[k]) : '-'))]),
  ]
  const widths = columns.map(([title, cells]) => Math.max(title.length, ...cells.map((c) => c.length)))
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ')
  const codecs = result.targetBpp !== null && ms.some((m) => m.settings.codec !== undefined)
  const n = result.originals.length
  const target = codecs ? `, codec target ${result.targetBpp!.toFixed(4)} bpp (bpp column: what each reached)` : ''
  return [
    line(columns.map(([title]) => title)),
    ...ms.map((_, i) => line(columns.map(([, cells]) => cells[i]))),
    `${n} image${n === 1 ? '' : 's'} at ${result.imageSizePx}px${target}; bpp = mean actual bits per pixel; psnr dB (capped at 100)`,
    ...floorNotes(ms),
    ...(keys.some((k) => k.endsWith('_proxy')) ? ['proxy FID/KID: offline MobileNetV2 features, not InceptionV3: not comparable with rFID'] : []),
    ...Object.entries(result.warnings).map(([m, why]) => `note: ${m}: ${why}`),
    ...Object.entries(result.unavailable).map(([m, why]) => `not computed: ${m}: ${why}`),
  ].join('\n')
}
