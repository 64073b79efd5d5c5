// A comparison on disk (`flowmo compare --out <dir>`): originals/<image>.png, <method>/<image>.png, per-image.csv
// (one row per image × method) and report.json, the CompareReport with file names in place of pixels, written last.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { writePng } from '../data/images'
import { writeFileAtomic } from '../atomic-file'
import type { MethodComparison, Scored } from './compare'
import type { CompareResult } from './run-compare'

export const COMPARE_FORMAT = 'flowmo-compare'
export const COMPARE_VERSION = 1

/** How the numbers were made, beside the methods' own settings (sampler, codec search) in report.json. */
export interface CompareProtocol {
  readonly images: readonly { readonly id: string; readonly path: string }[] // id: the PNG name in every folder
  readonly preprocessing: string // e.g. 'shorter side resized to 32 px, centre crop'
  readonly checkpoint: { readonly path: string; readonly config: string | null; readonly stateDict: string } | null
  readonly metrics: readonly string[] // asked for, beyond PSNR/SSIM
  readonly weightsDir: string | null
  readonly backend: string | null // tfjs backend, when FlowMo or a metric network ran on it
  readonly flowmoVersion: string
}

const pngOf = (dir: string, imageId: string): string => `${dir}/${imageId}.png`

/** Reconstruction with its PNG's path under the out folder in place of its pixels. */
function reconstructionEntry(r: Scored, method: string, imageId: string): Record<string, unknown> {
  const { image: _pixels, ...rest } = r
  return { image: imageId, file: pngOf(method, imageId), ...rest }
}

function methodEntry(m: MethodComparison, ids: readonly string[]): Record<string, unknown> {
  const { reconstructions, ...rest } = m
  return { ...rest, reconstructions: reconstructions.map((r, i) => reconstructionEntry(r, m.id, ids[i])) }
}

/** report.json's object: the CompareReport with file names in place of pixels, and the protocol. */
export function compareReportJson(result: CompareResult, protocol: CompareProtocol): Record<string, unknown> {
  const ids = protocol.images.map((i) => i.id)
  return {
    format: COMPARE_FORMAT, version: COMPARE_VERSION, protocol,
    imageSizePx: result.imageSizePx, targetBpp: result.targetBpp,
    originals: protocol.images.map((img) => ({ ...img, file: pngOf('originals', img.id) })),
    methods: result.methods.map((m) => methodEntry(m, ids)),
    unavailable: result.unavailable, warnings: result.warnings, networks: result.networks,
  }
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const csvNumber = (v: number | undefined): string => (v === undefined ? '' : Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : String(v))
const settingsText = (s: Scored['settings']): string => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(' ')

/** One row per image × method: actual BPP, codec quality (blank for others), the per-image settings, PSNR, SSIM, LPIPS. */
export function perImageCsv(result: CompareResult, images: CompareProtocol['images']): string {
  const nets = [...new Set(result.methods.flatMap((m) => m.reconstructions.flatMap((r) => Object.keys(r.lpips ?? {}))))]
  const header = ['image', 'path', 'method', 'bpp', 'quality', 'settings', 'psnr', 'ssim', ...nets.map((n) => `lpips_${n}`)]
  const rows = result.methods.flatMap((m) => m.reconstructions.map((r, i) => [
    images[i].id, csvField(images[i].path), m.id, csvNumber(r.bpp), r.settings.quality === undefined ? '' : String(r.settings.quality),
    csvField(settingsText(r.settings)), csvNumber(r.psnr), csvNumber(r.ssim), ...nets.map((n) => csvNumber(r.lpips?.[n])),
  ].join(',')))
  return `${[header.join(','), ...rows].join('\n')}\n`
}

/** JSON with ±Infinity as the strings "Infinity"/"-Infinity" (eval's report convention; Number() reads them back). */
const json = (value: unknown): string =>
  `${JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v), 2)}\n`

/** Writes the PNGs, per-image.csv, then report.json (each file via temp + rename); `out` may exist. */
export async function writeCompareFolder(out: string, result: CompareResult, protocol: CompareProtocol): Promise<void> {
  const ids = protocol.images.map((i) => i.id)
  for (const dir of ['originals', ...result.methods.map((m) => m.id)]) await mkdir(join(out, dir), { recursive: true })
  for (const [i, o] of result.originals.entries()) await writePng(join(out, pngOf('originals', ids[i])), o.pixels, o.h, o.w)
  for (const m of result.methods) {
    for (const [i, r] of m.reconstructions.entries()) await writePng(join(out, pngOf(m.id, ids[i])), r.image.rgb, r.image.h, r.image.w)
  }
  await writeFileAtomic(join(out, 'per-image.csv'), perImageCsv(result, protocol.images))
  await writeFileAtomic(join(out, 'report.json'), json(compareReportJson(result, protocol)))
}
