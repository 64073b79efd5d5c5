// The protocol card: everything that decides a metric's number, stored with every result, printed by `flowmo eval`,
// and diffable so two numbers that disagree can be explained field by field.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Quantise } from './images'
import type { PsnrConvention } from './psnr'
import type { SsimRange, SsimVariant } from './ssim'

export const metricsVersion = '1'

export interface ProtocolCard {
  readonly metricsVersion: string // bumped whenever a metric's maths changes
  readonly dataset: { readonly path: string; readonly sha256: string; readonly nImages: number }
  readonly resolutionPx: number // e.g. 256
  readonly resize: string // e.g. 'resize-shorter-bicubic+center-crop' (the data loader's method name)
  readonly quantise: Quantise // uint8 step before PSNR/SSIM; reference: 'truncate'
  readonly network: FeatureNetwork | null // FID/KID feature network; null when no feature metric ran
  readonly psnr: { readonly convention: PsnrConvention; readonly batchSize: number | null }
  readonly ssim: { readonly variant: SsimVariant; readonly range: SsimRange }
  readonly sampler: {
    readonly steps: number // e.g. 25
    readonly rho: number // time-schedule power, t_i = ((steps − i)/steps)^ρ; reference 4
    readonly cfg: number // guidance scale; 1 = none
    readonly cfgInterval: readonly [number, number] | null // flow-t interval where CFG applies
    readonly seed: number
    readonly noise: string // how z0 is drawn per image (sample/noise.ts NOISE_METHODS)
  }
  readonly checkpoint: { readonly path: string; readonly sha256: string; readonly weights: 'ema' | 'raw' }
  readonly backend: string // e.g. 'tfjs-wasm', 'onnxruntime-node-cpu'
}

export interface FeatureNetwork {
  readonly name: string // e.g. 'inception-v3-fid pool3 2048'
  readonly input: string // e.g. 'float [0,1] (no uint8), bilinear 299 no antialias' (reference rFID)
  readonly weightsFile: string // e.g. 'pt_inception-2015-12-05-6726825d.pth'
  readonly sha256: string
}

export interface CardDifference {
  readonly field: string // dotted path, e.g. 'sampler.cfg'
  readonly a: unknown
  readonly b: unknown
}

/** sha256 (hex) of a file, streamed. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Leaves of a plain object as [dotted path, value]; arrays and null are leaves. */
function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (!isRecord(value)) return [[prefix, value]]
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
}

function diffValues(a: unknown, b: unknown, field: string, out: CardDifference[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffValues(a[k], b[k], field ? `${field}.${k}` : k, out)
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push({ field, a, b })
  }
}

/** Differences at the deepest field where both cards still have objects (a null network differs as a whole). */
export function diffCards(a: ProtocolCard, b: ProtocolCard): CardDifference[] {
  return diffFields(a, b)
}

/** The same field-by-field difference for any two plain objects (e.g. a sweep journal's identity). */
export function diffFields(a: object, b: object): CardDifference[] {
  const out: CardDifference[] = []
  diffValues(a, b, '', out)
  return out
}

export function formatCard(card: ProtocolCard): string {
  const rows = leaves(card)
  const width = Math.max(...rows.map(([f]) => f.length))
  return rows.map(([f, v]) => `${f.padEnd(width)}  ${JSON.stringify(v)}`).join('\n')
}

/** Canonical JSON (sorted keys) so equal protocols hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
