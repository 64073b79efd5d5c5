// The `flowmo eval` report from the journalled per-image records: headline metrics (the `metrics` object of the JSON
// contract), how each was computed, code statistics, metrics that could not run and why, and the protocol card.
import { bitBalance, bitsPerPixel, distinctCodes, tokenEntropy, type Codes } from '../metrics/codes'
import { setFrechetDistance } from '../metrics/frechet-rows'
import { kernelInceptionDistance } from '../metrics/kid'
import type { ReferenceFeatures } from '../metrics/reference-stats-cache'
import type { EvalCard } from './eval-card'
import { featureRows, unpackCode, type ImageRecord } from './journal'

export interface CodeShape {
  readonly tokens: number // L
  readonly bits: number // C
  readonly imageSizePx: number
  readonly quantizer?: 'lfq' | 'fsq' | 'continuous' // default lfq
  readonly bitsPerToken?: number | null // FSQ Σ log2 L_c; null for a continuous latent (default C)
}

export interface EvalReport {
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_<net>, fid | fid_proxy, kid | kid_proxy
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>> // per metric: convention, variant, spread
  readonly codes: CodeSummary
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run (e.g. the weight file it needs)
  readonly nImages: number
  readonly protocol: EvalCard
}

export interface CodeSummary {
  readonly quantizer: 'lfq' | 'fsq' | 'continuous'
  readonly bitsPerPixel: number | null // L·bits per token / (H·W); null for a continuous latent
  readonly note?: string // FSQ / continuous: the statistics below are of the code's signs
  readonly bitBalance: { readonly overall: number; readonly perBitMin: number; readonly perBitMax: number; readonly perBit: number[] }
  readonly tokenEntropy: { readonly groupBits: number; readonly meanBits: number; readonly maxBits: number }
  readonly distinctCodes: { readonly groupBits: number; readonly subTokenCodes: number; readonly imageCodes: number }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length
const psnrOf = (mse: number): number => 10 * Math.log10(1 / mse) // Infinity when exact

/** The reference's batch-pooled PSNR: consecutive groups of `batchSize` pool their MSE, each image gets its group's value. */
export function batchPooledPsnr(mse: readonly number[], batchSize: number): number[] {
  return mse.map((_, i) => {
    const start = i - (i % batchSize)
    return psnrOf(mean(mse.slice(start, Math.min(mse.length, start + batchSize))))
  })
}

function psnrDetails(records: readonly ImageRecord[], card: EvalCard): [number, Record<string, unknown>] {
  const mse = records.map((r) => r.mse)
  const perImage = mse.map(psnrOf)
  const pooled = batchPooledPsnr(mse, card.psnr.batchSize ?? 5)
  const finite = perImage.filter(Number.isFinite)
  const value = card.psnr.convention === 'per-image' ? mean(perImage) : mean(pooled)
  return [value, {
    convention: card.psnr.convention, quantise: card.quantise, dataRange: 1,
    perImageMean: mean(perImage), batchPooledMean: mean(pooled), batchSize: card.psnr.batchSize ?? 5,
    exactImages: perImage.length - finite.length, // reconstructions equal to their original: PSNR = ∞
    meanOverInexact: finite.length > 0 ? mean(finite) : null,
  }]
}

export function codeSummary(records: readonly ImageRecord[], shape: CodeShape): CodeSummary {
  const { tokens, bits, imageSizePx, quantizer = 'lfq' } = shape
  const bitsPerToken = shape.bitsPerToken === undefined ? bits : shape.bitsPerToken
  const data = new Int8Array(records.length * tokens * bits)
  records.forEach((r, b) => data.set(unpackCode(r.code, tokens * bits), b * tokens * bits))
  const codes: Codes = { data, n: records.length, tokens, bits }
  const balance = bitBalance(codes)
  const entropy = tokenEntropy(codes)
  return {
    quantizer,
    bitsPerPixel: bitsPerToken === null ? null : bitsPerPixel(tokens, bitsPerToken, imageSizePx, imageSizePx),
    ...(quantizer !== 'lfq' && { note: `${quantizer} code: balance, entropy and distinct counts are of its signs (value > 0), not of its levels` }),
    bitBalance: { overall: balance.overall, perBitMin: Math.min(...balance.perBit), perBitMax: Math.max(...balance.perBit), perBit: [...balance.perBit] },
    tokenEntropy: { groupBits: entropy.groupBits, meanBits: entropy.mean, maxBits: entropy.maxBits },
    distinctCodes: distinctCodes(codes),
  }
}

/** Why an FID over `n` images with `d` features needs care when n ≤ d (also shown by compare reports). */
export const singularCovarianceNote = (n: number, d: number): string =>
  `${n} images ≤ ${d} features: the covariances are singular; compare only runs with the same N`

function featureMetrics(records: readonly ImageRecord[], reference: ReferenceFeatures, isProxy: boolean, want: ReadonlySet<string>): [Record<string, number>, Record<string, Record<string, unknown>>] {
  const { d, n } = reference.stats
  const fy = featureRows(records, 'reconstruction')!
  if (n !== records.length || fy.length !== n * d) throw new Error(`the reference has ${n} × ${d} features, the reconstructions ${records.length} × ${fy.length / records.length}`)
  const suffix = isProxy ? '_proxy' : ''
  const metrics: Record<string, number> = {}
  const details: Record<string, Record<string, unknown>> = {}
  if (want.has('fid')) {
    const fid = setFrechetDistance(reference.rows, fy, n, d, reference.stats)
    metrics[`fid${suffix}`] = fid.value
    details[`fid${suffix}`] = { between: 'originals and their reconstructions', featureDim: d, meanTerm: fid.meanTerm, proxy: isProxy,
      ...(n <= d && { note: singularCovarianceNote(n, d) }) }
  }
  if (want.has('kid')) {
    const kid = kernelInceptionDistance(reference.rows, fy, d)
    metrics[`kid${suffix}`] = kid.mean
    details[`kid${suffix}`] = { std: kid.std, subsets: kid.subsets, subsetSize: kid.subsetSize, seed: kid.seed, proxy: isProxy }
  }
  return [metrics, details]
}

export interface ReportInputs {
  readonly records: readonly ImageRecord[]
  readonly card: EvalCard
  readonly shape: CodeShape
  readonly wanted: ReadonlySet<string> // psnr ssim lpips fid kid
  readonly featuresAreProxy: boolean
  readonly reference: ReferenceFeatures | null // the originals' features (eval/reference.ts); null when no feature metric ran
  readonly unavailable: Readonly<Record<string, string>>
}

export function buildReport(i: ReportInputs): EvalReport {
  const { records, card } = i
  const metrics: Record<string, number> = {}
  const details: Record<string, Record<string, unknown>> = {}
  if (i.wanted.has('psnr')) [metrics.psnr, details.psnr] = psnrDetails(records, card)
  if (i.wanted.has('ssim')) {
    metrics.ssim = mean(records.map((r) => r.ssim))
    details.ssim = { variant: card.ssim.variant, range: card.ssim.range, dataRange: 1, quantise: card.quantise }
  }
  for (const net of Object.keys(records[0]?.lpips ?? {})) {
    metrics[`lpips_${net}`] = mean(records.map((r) => r.lpips[net]))
    details[`lpips_${net}`] = { net, version: 'v0.1', input: '[-1,1], no uint8 step' }
  }
  const unavailable = { ...i.unavailable }
  if (records[0]?.features && records.length < 2) {
    for (const m of ['fid', 'kid'].filter((k) => i.wanted.has(k))) unavailable[`${m}${i.featuresAreProxy ? '_proxy' : ''}`] = 'needs at least 2 images'
  } else if (records[0]?.features && i.reference) {
    const [m, d] = featureMetrics(records, i.reference, i.featuresAreProxy, i.wanted)
    Object.assign(metrics, m)
    Object.assign(details, d)
  }
  return { metrics, details, codes: codeSummary(records, i.shape), unavailable, nImages: records.length, protocol: card }
}

/** JSON with ±Infinity written as the strings "Infinity"/"-Infinity" (JSON has no infinity; Number("Infinity") reads it back). */
export const reportJson = (report: EvalReport): string =>
  `${JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v), 2)}\n`

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const csvNumber = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : String(v))

/** Each image's own scores: psnr (per-image, dB; Infinity when exact), ssim, then lpips_<net> when LPIPS ran. */
export function perImageScores(records: readonly ImageRecord[]): { readonly path: string; readonly index: number; readonly scores: Record<string, number> }[] {
  return records.map((r) => ({
    path: r.path, index: r.index,
    scores: { psnr: psnrOf(r.mse), ssim: r.ssim, ...Object.fromEntries(Object.entries(r.lpips).map(([net, v]) => [`lpips_${net}`, v])) },
  }))
}

/** One row per image: path, psnr ('inf' when exact), ssim, then lpips_<net> columns when LPIPS ran. */
export function perImageCsv(records: readonly ImageRecord[]): string {
  const rows = perImageScores(records)
  const columns = Object.keys(rows[0]?.scores ?? { psnr: 0, ssim: 0 })
  return `${[['path', ...columns].join(','), ...rows.map((r) => [csvField(r.path), ...columns.map((c) => csvNumber(r.scores[c]))].join(','))].join('\n')}\n`
}
