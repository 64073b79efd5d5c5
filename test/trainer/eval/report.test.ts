// The eval report from journal records: both PSNR conventions against metrics/psnr.ts, exact reconstructions (∞),
// code statistics against metrics/codes.ts, FID/KID from journalled feature rows (proxy labelled), JSON and CSV.
import { describe, expect, it } from 'vitest'
import { evalCard } from '../../../src/trainer/eval/eval-card'
import { encodeFloats, featureRows, packCode, type ImageRecord } from '../../../src/trainer/eval/journal'
import { batchPooledPsnr, buildReport, perImageCsv, reportJson } from '../../../src/trainer/eval/report'
import { Rng } from '../../../src/trainer/data/rng'
import { featureStats, frechetDistance } from '../../../src/trainer/metrics/frechet'
import { referenceFromRows } from '../../../src/trainer/metrics/reference-stats-cache'
import { psnr } from '../../../src/trainer/metrics/psnr'
import type { ImagesNCHW } from '../../../src/trainer/metrics/images'
import { perImageMse } from '../../../src/trainer/eval/eval-run'
import { cardInputs } from './card-inputs'

const rng = Rng.fromSeed(7)
const uniform = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1)
const shape = { tokens: 4, bits: 6, imageSizePx: 8 }

function records(n: number, features = 0): ImageRecord[] {
  return Array.from({ length: n }, (_, index) => ({
    index, path: `/d/${index}.png`, mse: 0.001 + 0.01 * rng.nextFloat(), ssim: rng.nextFloat(), lpips: {},
    code: packCode(uniform(shape.tokens * shape.bits)),
    features: features ? { original: encodeFloats(uniform(features)), reconstruction: encodeFloats(uniform(features).map((v) => v + 0.3)) } : null,
  }))
}

describe('eval report', () => {
  it('batch-pools PSNR as metrics/psnr.ts does, from per-image MSE', () => {
    const n = 7
    const x: ImagesNCHW = { layout: 'nchw-f32-signed', data: uniform(n * 3 * 8 * 8), shape: [n, 3, 8, 8] }
    const y: ImagesNCHW = { ...x, data: x.data.map((v) => v + 0.05 * (rng.nextFloat() - 0.5)) }
    const mse = [...perImageMse(y, x, 'truncate')]
    const pooled = psnr(y, x, { convention: 'batch-pooled', quantise: 'truncate', batchSize: 5 }).perImage
    const perImage = psnr(y, x, { convention: 'per-image', quantise: 'truncate' }).perImage
    batchPooledPsnr(mse, 5).forEach((v, i) => expect(v).toBeCloseTo(pooled[i], 10))
    mse.forEach((m, i) => expect(10 * Math.log10(1 / m)).toBeCloseTo(perImage[i], 10))
  })

  it('handles reconstructions equal to their original: PSNR ∞, counted, written as "Infinity" and "inf"', () => {
    const rs = records(3).map((r, i) => (i === 1 ? { ...r, mse: 0 } : r))
    const report = buildReport({ records: rs, card: evalCard(cardInputs), shape, wanted: new Set(['psnr', 'ssim']), featuresAreProxy: false, reference: null, unavailable: {} })
    expect(report.metrics.psnr).toBe(Infinity)
    expect(report.details.psnr.exactImages).toBe(1)
    expect(report.details.psnr.meanOverInexact).toBeCloseTo((10 * Math.log10(1 / rs[0].mse) + 10 * Math.log10(1 / rs[2].mse)) / 2, 10)
    expect(JSON.parse(reportJson(report)).metrics.psnr).toBe('Infinity')
    expect(perImageCsv(rs).split('\n')[2]).toMatch(/^\/d\/1\.png,inf,/)
  })

  it('summarises the codes with metrics/codes.ts', () => {
    const rs = records(5)
    const report = buildReport({ records: rs, card: evalCard(cardInputs), shape, wanted: new Set(['psnr']), featuresAreProxy: false, reference: null, unavailable: {} })
    expect(report.codes.bitsPerPixel).toBe((4 * 6) / 64)
    expect(report.codes.bitBalance.perBit).toHaveLength(6)
    const overall = report.codes.bitBalance.overall
    expect(overall).toBeGreaterThan(0)
    expect(overall).toBeLessThan(1)
    expect(report.codes.distinctCodes.imageCodes).toBe(5)
  })

  it('computes FID and KID from journalled feature rows, and labels proxy features', () => {
    const d = 3
    const rs = records(12, d)
    const card = evalCard(cardInputs)
    const reference = referenceFromRows(featureRows(rs, 'original')!, 12, d)
    const real = buildReport({ records: rs, card, shape, wanted: new Set(['fid', 'kid']), featuresAreProxy: false, reference, unavailable: {} })
    const direct = frechetDistance(featureStats(featureRows(rs, 'original')!, 12, d), featureStats(featureRows(rs, 'reconstruction')!, 12, d)).value
    expect(real.metrics.fid).toBeCloseTo(direct, 9)
    expect(real.metrics.fid).toBeGreaterThan(0.2) // the 0.3 shift: mean term 3 × 0.09
    expect(real.metrics.kid).toBeTypeOf('number')
    const proxy = buildReport({ records: rs, card, shape, wanted: new Set(['fid']), featuresAreProxy: true, reference, unavailable: {} })
    expect(Object.keys(proxy.metrics)).toEqual(['fid_proxy'])
    expect(proxy.details.fid_proxy.proxy).toBe(true)
    const one = buildReport({ records: rs.slice(0, 1), card, shape, wanted: new Set(['fid', 'kid']), featuresAreProxy: false, reference: null, unavailable: {} })
    expect(one.unavailable).toEqual({ fid: 'needs at least 2 images', kid: 'needs at least 2 images' })
  })

  it('writes one CSV row per image with a header', () => {
    const rs = records(4).map((r) => ({ ...r, lpips: { alex: 0.25 } }))
    const lines = perImageCsv(rs).trim().split('\n')
    expect(lines[0]).toBe('path,psnr,ssim,lpips_alex')
    expect(lines).toHaveLength(5)
    expect(lines[3].split(',')[3]).toBe('0.25')
  })
})
