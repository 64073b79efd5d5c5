// The manifest of a human-rating export (docs/baselines.md): which originals and reconstructions the folder holds,
// each method's settings and bit rate, per-image metrics, sha256 of every file and the opaque token under which the
// blind rater folder (rater/images/<token>.png) holds it; written as JSON and as CSV, for the researcher only.
import type { MethodSettings } from '../baselines/method'

export const manifestFormat = 'flowmo-rating-export'
export const manifestVersion = 2 // 2: blind rater/ folder with opaque tokens

/** The ratings file the rating page saves: tokens only, mapped back to methods by import.ts through the manifest. */
export const ratingsFormat = 'blind-pairwise-ratings'
export const ratingsVersion = 1

export interface ManifestMethod {
  readonly id: string
  readonly label: string
  readonly bpp: number // nominal, at imageSizePx (the codec target; per-image actual BPP is in the entries)
  readonly settings: MethodSettings
}

export interface ManifestImage {
  readonly id: string
  readonly source: string // the input file as given
  readonly file: string // originals/<id>.png, relative to the export folder
  readonly token: string // random; the rater's copy is rater/images/<token>.png
  readonly sha256: string
}

export interface ManifestEntry {
  readonly image: string
  readonly method: string
  readonly file: string // recon/<method>/<image>.png
  readonly token: string // random; the rater's copy is rater/images/<token>.png
  readonly sha256: string
  readonly bpp: number // actual for this image
  readonly psnr: number // dB, 8-bit RGB against the original (Infinity when identical)
  readonly ssim: number // skimage defaults (7×7 uniform, sample covariance), the reference's evaluate.py
  readonly settings: MethodSettings
}

export interface RatingManifest {
  readonly format: typeof manifestFormat
  readonly version: typeof manifestVersion
  readonly exportId: string // random; the rating page stamps it into every ratings file
  readonly createdAt: string
  readonly title: string
  readonly imageSizePx: number
  readonly metrics: { readonly psnr: string; readonly ssim: string }
  readonly methods: readonly ManifestMethod[]
  readonly images: readonly ManifestImage[]
  readonly entries: readonly ManifestEntry[]
}

export const metricDescriptions = {
  psnr: 'per-image PSNR in dB on 8-bit RGB (data range 255)',
  ssim: 'per-image SSIM on 8-bit RGB, 7×7 uniform window, sample covariance (skimage defaults, as the reference evaluate.py)',
} as const

const csvColumns = ['image_id', 'method', 'file', 'token', 'bpp', 'psnr_db', 'ssim', 'sha256', 'settings'] as const

function csvField(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : 'nan') : v
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One row per file: originals (method "original", no rate or metrics), then every reconstruction. */
export function manifestCsv(m: RatingManifest): string {
  const rows: (string | number)[][] = [[...csvColumns]]
  for (const img of m.images) rows.push([img.id, 'original', img.file, img.token, '', '', '', img.sha256, ''])
  for (const e of m.entries) rows.push([e.image, e.method, e.file, e.token, e.bpp, e.psnr, e.ssim, e.sha256, JSON.stringify(e.settings)])
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n'
}

/** JSON lacks Infinity (an exact reconstruction's PSNR) and NaN: they are written as the strings "inf" and "nan". */
export const nonFiniteReplacer = (_: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? 'inf' : 'nan') : v)
export const nonFiniteReviver = (_: string, v: unknown): unknown => (v === 'inf' ? Infinity : v === 'nan' ? NaN : v)

export function manifestJson(m: RatingManifest): string {
  return JSON.stringify(m, nonFiniteReplacer, 2) + '\n'
}

/** Reads an export's manifest.json back, checking what import needs: format, methods, images and entries. */
export function parseManifest(text: string, source: string): RatingManifest {
  let m: RatingManifest
  try {
    m = JSON.parse(text, nonFiniteReviver)
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`)
  }
  if (m?.format !== manifestFormat) throw new Error(`${source}: not a rating export manifest (format ${JSON.stringify(m?.format)})`)
  if (m.version !== manifestVersion) {
    throw new Error(`${source}: manifest version ${m.version} is not supported (expected ${manifestVersion}, an export with a blind rater/ folder); export again`)
  }
  if (typeof m.exportId !== 'string' || !Array.isArray(m.methods) || !Array.isArray(m.images) || !Array.isArray(m.entries)) {
    throw new Error(`${source}: manifest lacks exportId, methods, images or entries`)
  }
  return m
}
