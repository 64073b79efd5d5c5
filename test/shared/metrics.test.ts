// The metric registry: every id an eval report (and so a sweep cell, a compare method, an ablation row: all keyed as
// eval's report) or a gen-eval report can contain has an entry, as do the names `--metrics` accepts; labels,
// direction, formats, order.
import { describe, expect, it } from 'vitest'
import { formatMetric, higherIsBetter, metricInfo, metricLabel, metricTitle, sortMetrics } from '../../src/shared/metrics'
import { evalCard } from '../../src/trainer/eval/eval-card'
import { encodeFloats, featureRows, packCode, type ImageRecord } from '../../src/trainer/eval/journal'
import { METRIC_NAMES } from '../../src/trainer/eval/networks'
import { buildReport } from '../../src/trainer/eval/report'
import { generationMetrics } from '../../src/trainer/stage2/gen-eval'
import { referenceFromRows } from '../../src/trainer/metrics/reference-stats-cache'
import type { LpipsNet } from '../../src/trainer/nets/lpips'
import { cardInputs } from '../trainer/eval/card-inputs'

const nets = Object.keys({ alex: true, vgg: true } satisfies Record<LpipsNet, true>) // a new net fails to compile here
const d = 3 // feature dimension

function records(n: number): ImageRecord[] {
  const row = (i: number, shift: number) => encodeFloats(Float32Array.from({ length: d }, (_, k) => Math.sin(i * 7 + k) + shift))
  return Array.from({ length: n }, (_, index) => ({
    index, path: `/d/${index}.png`, mse: 0.001 * (index + 1), ssim: 0.5, lpips: Object.fromEntries(nets.map((net) => [net, 0.1 * (index + 1)])),
    code: packCode(Float32Array.from({ length: 24 }, (_, k) => ((index + k) % 3) - 1)),
    features: { original: row(index, 0), reconstruction: row(index, 0.2) },
  }))
}

/** The metric ids of eval reports with everything wanted, on real and on proxy features. */
function reportIds(): string[] {
  const rs = records(6)
  const reference = referenceFromRows(featureRows(rs, 'original')!, rs.length, d)
  const ids = [false, true].flatMap((featuresAreProxy) => {
    const report = buildReport({
      records: rs, card: evalCard(cardInputs), shape: { tokens: 4, bits: 6, imageSizePx: 8 }, wanted: new Set(['psnr', 'ssim', 'lpips', 'fid', 'kid']),
      featuresAreProxy, reference, unavailable: {},
    })
    return Object.keys(report.metrics)
  })
  return [...new Set(ids)]
}

describe('metric registry', () => {
  it('has an entry for every metric id a report can contain', () => {
    const ids = reportIds()
    expect(ids.length).toBe(8) // psnr ssim, LPIPS per net, fid kid, their proxies
    expect(ids.filter((id) => metricInfo(id) === undefined)).toEqual([])
  })

  it('has an entry for every metric a gen-eval report can contain, on InceptionV3 and on the proxy network', () => {
    const rows = () => ({ pool: Float32Array.from({ length: 8 * d }, (_, i) => Math.sin(i)), spatial: Float32Array.from({ length: 8 * d }, (_, i) => Math.cos(i)), probs: new Float32Array(8 * 2).fill(0.5) })
    const ids = [false, true].flatMap((isProxy) => Object.keys(generationMetrics(rows(), 8, rows(), 8, { poolDim: d, spatialDim: d, classes: 2, isProxy }).metrics))
    expect(new Set(ids).size).toBe(10) // FID sFID IS KID, each also -proxy; precision and recall
    expect(ids.filter((id) => metricInfo(id) === undefined)).toEqual([])
    expect([metricLabel('FID'), metricLabel('FID-proxy'), metricLabel('fid')]).toEqual(['gFID', 'proxy gFID', 'rFID']) // never mistaken for one another
  })

  it('has an entry for every metric `flowmo eval --metrics` accepts (lpips: one per net)', () => {
    const ids = METRIC_NAMES.flatMap((name) => (name === 'lpips' ? nets.map((net) => `lpips_${net}`) : [name.replace('-', '_')]))
    expect(ids.filter((id) => metricInfo(id) === undefined)).toEqual([])
  })

  it('names proxies apart from rFID/KID, and knows which way each improves', () => {
    expect(['fid', 'kid', 'fid_proxy', 'kid_proxy', 'lpips_alex'].map(metricLabel)).toEqual(['rFID', 'KID', 'proxy FID', 'proxy KID', 'LPIPS (AlexNet)'])
    expect([metricTitle('psnr'), metricTitle('ssim'), metricLabel('new_metric')]).toEqual(['PSNR (dB)', 'SSIM', 'new_metric'])
    expect(['psnr', 'ssim'].map(higherIsBetter)).toEqual([true, true])
    expect(['lpips_alex', 'lpips_vgg', 'fid', 'kid', 'fid_proxy', 'kid_proxy'].map(higherIsBetter)).toEqual([false, false, false, false, false, false])
  })

  it('formats with each metric its digits, infinities and NaN as words', () => {
    expect([formatMetric('psnr', 24.123), formatMetric('ssim', 0.71234), formatMetric('fid_proxy', 12.345), formatMetric('kid', 0.0123456)]).toEqual(['24.12', '0.7123', '12.35', '0.01235'])
    expect([formatMetric('psnr', Infinity), formatMetric('x', -Infinity), formatMetric('fid', NaN), formatMetric('unknown', 0.5)]).toEqual(['∞', '-∞', 'NaN', '0.5000'])
  })

  it('orders ids as tables show them, unknown ones last', () => {
    expect(sortMetrics(['zeta', 'fid', 'kid_proxy', 'psnr', 'alpha', 'lpips_vgg', 'fid'])).toEqual(['psnr', 'lpips_vgg', 'fid', 'kid_proxy', 'alpha', 'zeta'])
  })
})
