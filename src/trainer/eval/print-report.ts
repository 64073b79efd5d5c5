// What `flowmo eval` prints: each metric with the convention that made it, the metrics that could not run and why,
// the code statistics and the protocol card; and, for `--diff`, the card fields two reports differ in.
import { diffCards, formatCard, type ProtocolCard } from '../metrics/protocol'
import type { EvalReport } from './report'

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v))

function metricLabel(name: string, report: EvalReport): string {
  const card = report.protocol
  if (name === 'psnr') return `PSNR (${card.psnr.convention === 'per-image' ? 'mean of per-image' : `batch-pooled over ${card.psnr.batchSize}, the reference evaluate.py convention`}, uint8 ${card.quantise}) dB`
  if (name === 'ssim') return `SSIM (${card.ssim.variant}, data range 1, uint8 ${card.quantise})`
  if (name.startsWith('lpips_')) return `LPIPS ${name.slice(6)} v0.1`
  if (name.endsWith('_proxy')) return `${name.slice(0, -6).toUpperCase()} proxy (offline MobileNetV2 features; not rFID/KID)`
  return name === 'fid' ? 'rFID (InceptionV3 pool3, originals vs reconstructions)' : 'KID (InceptionV3 pool3)'
}

export function printReport(report: EvalReport): string {
  const lines = [`evaluated ${report.nImages} images`, '']
  const labels = Object.keys(report.metrics).map((k) => [metricLabel(k, report), fmt(report.metrics[k])] as const)
  const width = Math.max(0, ...labels.map(([l]) => l.length))
  for (const [label, value] of labels) lines.push(`  ${label.padEnd(width)}  ${value}`)
  const exact = report.details.psnr?.exactImages
  if (typeof exact === 'number' && exact > 0) lines.push(`  (${exact} reconstructions equal their original: PSNR ∞; mean over the others ${fmt(report.details.psnr.meanOverInexact as number)})`)
  for (const [name, why] of Object.entries(report.unavailable)) lines.push(`  ${name}: unavailable. ${why}`)
  const c = report.codes
  lines.push('', `codes (${c.quantizer ?? 'lfq'}): ${c.bitsPerPixel === null ? 'no' : fmt(c.bitsPerPixel)} bpp; ${c.note ? `${c.note}; ` : ''}bit balance ${fmt(c.bitBalance.overall, 3)} (per bit ${fmt(c.bitBalance.perBitMin, 3)}–${fmt(c.bitBalance.perBitMax, 3)}); ` +
    `token entropy ${fmt(c.tokenEntropy.meanBits, 3)} of at most ${fmt(c.tokenEntropy.maxBits, 3)} bits per ${c.tokenEntropy.groupBits}-bit sub-token; ` +
    `${c.distinctCodes.subTokenCodes} distinct sub-token codes, ${c.distinctCodes.imageCodes} distinct image codes`)
  lines.push('', 'protocol card:', formatCard(report.protocol))
  return lines.join('\n')
}

export function cardOf(report: unknown, name: string): ProtocolCard {
  const card = (report as { protocol?: unknown } | null)?.protocol
  if (!card || typeof card !== 'object') throw new Error(`${name} has no "protocol" card; is it a flowmo eval report?`)
  return card as ProtocolCard
}

/** The card fields two reports differ in, one per line, with both metric sets for context. */
export function diffReportCards(a: unknown, b: unknown, nameA: string, nameB: string): string {
  const differences = diffCards(cardOf(a, nameA), cardOf(b, nameB))
  const metrics = (r: unknown): string => JSON.stringify((r as { metrics?: unknown }).metrics ?? {})
  const lines = [`a: ${nameA}  metrics ${metrics(a)}`, `b: ${nameB}  metrics ${metrics(b)}`, '']
  if (differences.length === 0) lines.push('the protocol cards are identical')
  else lines.push(`${differences.length} protocol ${differences.length === 1 ? 'field differs' : 'fields differ'}:`)
  for (const d of differences) lines.push(`  ${d.field}: ${JSON.stringify(d.a)} (a) vs ${JSON.stringify(d.b)} (b)`)
  return lines.join('\n')
}
