// The resume journal of an eval, `<json>.partial.jsonl`: line 1 holds the protocol card, then one line per image
// (appended a batch at a time), read back line by line. A rerun with the same card skips the images it holds; another
// card is refused.
import { existsSync } from 'node:fs'
import { appendFile, writeFile } from 'node:fs/promises'
import { parseJsonLine, readJsonLines } from '../jsonl-file'
import { diffCards, type CardDifference } from '../metrics/protocol'
import type { EvalCard } from './eval-card'

/** One evaluated image: everything the final report needs, so a resumed run reproduces an uninterrupted one. */
export interface ImageRecord {
  readonly index: number // position in the sorted image list (the noise seed index with noise 'index')
  readonly path: string
  readonly mse: number // mean squared error on [0,1] pixels after the card's uint8 step (PSNR and both conventions from it)
  readonly ssim: number
  readonly lpips: Readonly<Record<string, number>> // by net, e.g. { alex: 0.21 }; empty when LPIPS did not run
  readonly code: string // base64 of the packed ±1 code bits, [L, C] row-major, bit set when > 0
  readonly features: { readonly original: string | null; readonly reconstruction: string } | null // base64 float32 rows (FID/KID);
  // original is null when the run read the originals' features from the reference-statistics cache
}

export const journalPath = (jsonPath: string): string => `${jsonPath}.partial.jsonl`

export class JournalMismatchError extends Error {
  constructor(readonly path: string, readonly differences: readonly CardDifference[]) {
    const fields = differences.map((d) => `${d.field}: ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}`).join('; ')
    super(`${path} was written under another protocol (${fields}); delete it to start over, or rerun with its settings`)
    this.name = 'JournalMismatchError'
  }
}

export interface Journal {
  readonly done: ReadonlyMap<number, ImageRecord>
  append(records: readonly ImageRecord[]): Promise<void>
}

/** Opens (or creates) the journal for `card`, reading it line by line; a torn last line from an interrupted write is cut off. */
export async function openJournal(path: string, card: EvalCard): Promise<Journal> {
  const done = new Map<number, ImageRecord>()
  let header: { protocol?: EvalCard } = {}
  if (existsSync(path)) {
    await readJsonLines(path, (line, i) => {
      if (i === 0) {
        header = parseJsonLine<{ protocol?: EvalCard }>(line, path, i)
        const differences = header.protocol ? diffCards(header.protocol, card) : []
        if (differences.length > 0) throw new JournalMismatchError(path, differences)
      } else if (header.protocol) {
        const r = parseJsonLine<ImageRecord>(line, path, i)
        done.set(r.index, r)
      }
    })
  }
  if (!header.protocol) await writeFile(path, `${JSON.stringify({ protocol: card })}\n`) // new, or only a torn header
  return {
    done,
    append: async (records) => {
      await appendFile(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''))
      for (const r of records) done.set(r.index, r)
    },
  }
}

/** ±1 code values → base64 of their bits (bit i of byte i>>3 set when value i > 0). */
export function packCode(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(values.length / 8))
  for (let i = 0; i < values.length; i++) if (values[i] > 0) bytes[i >> 3] |= 1 << (i & 7)
  return Buffer.from(bytes).toString('base64')
}

/** The inverse of packCode: `count` values of ±1. */
export function unpackCode(packed: string, count: number): Int8Array {
  const bytes = Buffer.from(packed, 'base64')
  return Int8Array.from({ length: count }, (_, i) => ((bytes[i >> 3] >> (i & 7)) & 1 ? 1 : -1))
}

export const encodeFloats = (x: Float32Array): string => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64')

export function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64')
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

/** One side's feature rows of all records, [n, d] in record order; null when any record lacks them. */
export function featureRows(records: readonly ImageRecord[], side: 'original' | 'reconstruction'): Float32Array | null {
  const rows = records.map((r) => r.features?.[side] ?? null)
  if (rows.length === 0 || rows.some((row) => row === null)) return null
  const decoded = rows.map((row) => decodeFloats(row!))
  const d = decoded[0].length
  const out = new Float32Array(rows.length * d)
  decoded.forEach((row, i) => out.set(row, i * d))
  return out
}
