// The compare job's report as the views read it: each MethodComparison (src/trainer/baselines/compare.ts) with its
// reconstructions as drawable pixels, the captions a tile shows (method, actual BPP, codec quality, match, scores,
// LPIPS), and which set metrics it has (named and formatted by src/shared/metrics.ts).
import { schemeTableau10 } from 'd3-scale-chromatic'
import { formatMetric, sortMetrics } from '../../../../shared/metrics'
import type { CompareReport, RgbPixels } from '../../../../shared/protocol'
import { fileName, formatDb } from '../../lib/format'
import { methodNames, type BuiltInMethod } from './compare-request'

export type MethodSettings = Readonly<Record<string, string | number | boolean | null>>

export interface ComparedTile {
  readonly image: RgbPixels
  readonly bpp: number // actual, this image
  readonly psnr: number // dB, Infinity when identical
  readonly ssim: number
  readonly lpips?: Readonly<Record<string, number>> // per net ('alex', 'vgg') when LPIPS ran
  readonly settings: MethodSettings // codecs: quality, bytes, belowFloor, bppBelowTarget/bppAboveTarget …
}

export interface ComparedMethod {
  readonly id: string
  readonly label: string
  readonly name: string // short, for tiles and points: 'JPEG', 'FlowMo tiny-a', the tokenizer's name
  readonly colour: string
  readonly nominalBpp: number
  readonly meanBpp: number
  readonly meanPsnr: number
  readonly meanSsim: number
  readonly metrics: Readonly<Record<string, number>> // lpips_alex, lpips_vgg (means); fid | fid_proxy, kid | kid_proxy (over the set)
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>> // per metric, e.g. kid: { std, subsetSize }
  readonly tiles: readonly ComparedTile[] // image order
}

export interface CompareResult {
  readonly imageSizePx: number
  readonly targetBpp: number | null
  readonly originals: readonly RgbPixels[]
  readonly files: readonly string[] // each original's file name, image order
  readonly methods: readonly ComparedMethod[]
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run
  readonly warnings: Readonly<Record<string, string>> // metric → why its value needs care
  readonly networks: CompareReport['networks'] // behind LPIPS/FID/KID: name, weight file, SHA-256
}

/** MethodComparison as it crosses the wire. */
interface WireMethod {
  readonly id: string
  readonly label: string
  readonly nominalBpp: number
  readonly meanBpp: number
  readonly meanPsnr: number
  readonly meanSsim: number
  readonly metrics: Readonly<Record<string, number>>
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly reconstructions: readonly { image: { rgb: Uint8Array; h: number; w: number }; bpp: number; psnr: number; ssim: number; lpips?: Record<string, number>; settings: MethodSettings }[]
}

/** The report of a comparison of `images` (the request's paths: the report keeps their order). */
export function compareResult(report: CompareReport, images: readonly string[]): CompareResult {
  const methods = (report.methods as WireMethod[]).map((m, i): ComparedMethod => ({
    id: m.id, label: m.label, name: shortName(m), colour: schemeTableau10[i % schemeTableau10.length],
    nominalBpp: m.nominalBpp, meanBpp: m.meanBpp, meanPsnr: m.meanPsnr, meanSsim: m.meanSsim, metrics: m.metrics, details: m.details,
    tiles: m.reconstructions.map((r) => ({ image: { pixels: r.image.rgb, h: r.image.h, w: r.image.w }, bpp: r.bpp, psnr: r.psnr, ssim: r.ssim, lpips: r.lpips, settings: r.settings })),
  }))
  const { imageSizePx, targetBpp, originals, unavailable, warnings, networks } = report
  return { imageSizePx, targetBpp, originals, files: images.map(fileName), methods, unavailable, warnings, networks }
}

/** The set and perceptual metrics some method of the result has, in the registry's order (psnr and ssim are columns of their own). */
export function metricColumns(result: CompareResult): string[] {
  return sortMetrics(result.methods.flatMap((m) => Object.keys(m.metrics)))
}

/** Codecs by their name; FlowMo and ONNX tokenizers by their label without the parenthesised details. */
function shortName(m: WireMethod): string {
  return m.id === 'flowmo' ? m.label : (methodNames[m.id as BuiltInMethod] ?? m.label.replace(/ \(.*\)$/, ''))
}

export function formatBpp(bpp: number): string {
  return bpp.toFixed(4)
}

export interface TileCaption {
  readonly rate: string // '0.0938 bpp' or '0.9980 bpp · q17'
  readonly match: string // codecs: how the rate search ended; '' otherwise
  readonly scores: string // 'PSNR 24.10 dB · SSIM 0.712'
  readonly perceptual: string // 'LPIPS alex 0.1234 · vgg 0.2345' (the nets that ran); '' when LPIPS did not run
}

function lpipsCaption(lpips: Readonly<Record<string, number>> | undefined): string {
  const nets = Object.entries(lpips ?? {})
  return nets.length === 0 ? '' : `LPIPS ${nets.map(([net, v]) => `${net} ${formatMetric(`lpips_${net}`, v)}`).join(' · ')}`
}

/** What a tile says under its method's name. */
export function tileCaption(tile: ComparedTile): TileCaption {
  const { quality, belowFloor, aboveCeiling, targetBpp } = tile.settings
  const rate = `${formatBpp(tile.bpp)} bpp${typeof quality === 'number' ? ` · q${quality}` : ''}`
  const target = typeof targetBpp === 'number' ? formatBpp(targetBpp) : ''
  const match = !target ? '' : belowFloor ? `floor: smallest file is above ${target}` : aboveCeiling ? `ceiling: largest file is below ${target}` : `closest to ${target}`
  return { rate, match, scores: `PSNR ${formatDb(tile.psnr)} · SSIM ${tile.ssim.toFixed(3)}`, perceptual: lpipsCaption(tile.lpips) }
}

/** The probed rates around a codec's target (null on a side with none), as the rate search reported them. */
export function matchWindow(tile: ComparedTile): { below: number | null; above: number | null } | null {
  const { bppBelowTarget: below, bppAboveTarget: above } = tile.settings
  if (below === undefined && above === undefined) return null
  return { below: typeof below === 'number' ? below : null, above: typeof above === 'number' ? above : null }
}

/** How many of a method's images sit at a codec's floor: its smallest file is still above the target BPP. */
export function floorCount(m: ComparedMethod): number {
  return m.tiles.filter((t) => t.settings.belowFloor === true).length
}
