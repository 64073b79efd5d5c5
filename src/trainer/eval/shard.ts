// Sharded evaluation: `flowmo eval --shard i/n` evaluates batches i, i+n, i+2n, … of the one-process run's batches
// (with --batch 1: every n-th image from i), so every image is reconstructed in the same batch, with the same noise,
// as in one process; it saves the per-image records with their feature rows (a shard file: one JSON header line, then
// one record per line). `flowmo eval merge` checks the shards' protocols agree and cover every image once, then builds
// the report from the union exactly as one process builds it from its journal.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { writeAtomicWith } from '../atomic-file'
import { diffFields } from '../metrics/protocol'
import { referenceFromRows } from '../metrics/reference-stats-cache'
import type { EvalCard } from './eval-card'
import { featureRows, type ImageRecord } from './journal'
import { buildReport, type CodeShape, type EvalReport } from './report'

export interface Shard { readonly index: number; readonly count: number } // 0 ≤ index < count

export const SHARD_FORMAT = 'flowmo-eval-shard-1'

/** What a merge needs besides the records; the first line of a shard file. */
export interface ShardHeader {
  readonly format: typeof SHARD_FORMAT
  readonly shard: Shard
  readonly protocol: EvalCard & { readonly shard: Shard } // the one-process card plus the shard
  readonly shape: CodeShape
  readonly wanted: readonly string[] // psnr ssim lpips fid kid
  readonly featuresAreProxy: boolean
  readonly unavailable: Readonly<Record<string, string>>
  readonly nImages: number // records in this shard
}

/** `"1/4"` → { index: 1, count: 4 }; null with the reason when malformed. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!m) return `--shard expects i/n (e.g. 0/4), got '${text}'`
  const [index, count] = [Number(m[1]), Number(m[2])]
  if (count < 1 || index >= count) return `--shard ${text}: needs 0 ≤ i < n`
  return { index, count }
}

/** The images other shards evaluate: those in the one-process batches k·size … (k+1)·size−1 with k mod n ≠ i. */
export function otherShardsImages(total: number, batchSize: number, shard: Shard): Set<number> {
  const skip = new Set<number>()
  for (let i = 0; i < total; i++) if (Math.floor(i / batchSize) % shard.count !== shard.index) skip.add(i)
  return skip
}

/** Writes a shard file atomically (atomic-file.ts): the header line, then one record per line in image order. */
export async function writeShardFile(path: string, header: ShardHeader, records: readonly ImageRecord[]): Promise<void> {
  await writeAtomicWith(path, async (handle) => {
    await handle.write(`${JSON.stringify(header)}\n`)
    for (const r of records) await handle.write(`${JSON.stringify(r)}\n`)
  })
}

export async function readShardFile(path: string): Promise<{ header: ShardHeader; records: ImageRecord[] }> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
  let header: ShardHeader | null = null
  const records: ImageRecord[] = []
  for await (const line of lines) {
    if (line.length === 0) continue
    const value = parseLine(line, path)
    if (header === null) header = checkHeader(value, path)
    else records.push(value as ImageRecord)
  }
  if (header === null) throw new Error(`${path}: empty; not a shard file`)
  if (records.length !== header.nImages) throw new Error(`${path}: holds ${records.length} of its ${header.nImages} images (truncated?)`)
  return { header, records }
}

function parseLine(line: string, path: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    throw new Error(`${path}: not a shard file (a line is not JSON)`)
  }
}

function checkHeader(value: unknown, path: string): ShardHeader {
  const h = value as Partial<ShardHeader>
  if (h.format !== SHARD_FORMAT) throw new Error(`${path}: not a shard file of flowmo eval --shard (format ${JSON.stringify(h.format ?? null)})`)
  return h as ShardHeader
}

/** Card fields that may differ between shards: where the files lie on each machine, and the shard itself. */
const perMachine = (card: EvalCard & { shard?: Shard }) => {
  const { shard: _shard, ...rest } = card
  return { ...rest, dataset: { ...rest.dataset, path: '' }, checkpoint: { ...rest.checkpoint, path: '' } }
}

/** The one-process report from shard files; refuses differing protocols, a missing or doubled shard or image. */
export async function mergeShards(paths: readonly string[]): Promise<{ report: EvalReport; records: ImageRecord[] }> {
  const shards = await Promise.all(paths.map(readShardFile))
  const first = shards[0]!.header
  for (const [k, s] of shards.entries()) {
    const differences = diffFields(perMachine(first.protocol), perMachine(s.header.protocol))
    if (differences.length > 0) {
      const fields = differences.map((d) => `${d.field}: ${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}`).join('; ')
      throw new Error(`${paths[k]} was evaluated under another protocol than ${paths[0]} (${fields}); rerun it with the same settings`)
    }
  }
  const count = first.shard.count
  const seen = new Map<number, string>()
  for (const [k, s] of shards.entries()) {
    if (s.header.shard.count !== count) throw new Error(`${paths[k]} is shard ${s.header.shard.index}/${s.header.shard.count}, ${paths[0]} one of ${count}`)
    if (seen.has(s.header.shard.index)) throw new Error(`${paths[k]} and ${seen.get(s.header.shard.index)} are both shard ${s.header.shard.index}/${count}`)
    seen.set(s.header.shard.index, paths[k]!)
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i))
  if (missing.length > 0) throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`)
  const records = shards.flatMap((s) => s.records).sort((a, b) => a.index - b.index)
  const total = first.protocol.dataset.nImages
  if (records.length !== total || records.some((r, i) => r.index !== i)) throw new Error(`the shards hold ${records.length} records for ${total} images, not each image once`)
  return { report: reportFromRecords(records, first), records }
}

function reportFromRecords(records: readonly ImageRecord[], h: ShardHeader): EvalReport {
  const { shard: _shard, ...card } = h.protocol
  const rows = featureRows(records, 'original')
  const reference = rows && records.length >= 2 ? referenceFromRows(rows, records.length, rows.length / records.length) : null
  return buildReport({
    records, card, shape: h.shape, wanted: new Set(h.wanted), featuresAreProxy: h.featuresAreProxy, reference, unavailable: h.unavailable,
  })
}
