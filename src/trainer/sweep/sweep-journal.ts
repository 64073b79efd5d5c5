// The resume journal of a sweep with an output JSON, the folder `<out>.partial/` (after eval/journal.ts): journal.jsonl
// holds the sweep's identity on line 1, then one line per scored cell; grid images kept inline sit beside it as PNGs.
// A sweep holds the folder's lock file (process-lock.ts) while it runs, so two sweeps never write one output.
import { existsSync } from 'node:fs'
import { appendFile, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJsonLine, readJsonLines } from '../jsonl-file'
import { diffFields, type CardDifference } from '../metrics/protocol'
import { lockOutput } from '../output-lock'
import type { SweepGrid } from './grid'
import type { SweepCard, SweepCell } from './sweep-result'

/** Everything that decides a sweep's cells: a journal begun under another identity is not resumed. */
export interface SweepIdentity {
  readonly protocol: SweepCard // the shared card (no timing; referenceStats is set on the result only)
  readonly grid: SweepGrid // completed from the model config
  readonly metrics: readonly string[] // as requested
  readonly featureMinImages: number
  readonly batchSize: number
  readonly gridImages: { readonly count: number; readonly dir: string | null; readonly inline: boolean }
}

export type ScoredCell = Omit<SweepCell, 'best'>

/** One journal line. Inline grid images are PNG files in the journal folder (`c03/img0001.png`), not base64. */
export interface CellRecord {
  readonly index: number // in grid order
  readonly cell: ScoredCell
}

export const partialDir = (out: string): string => `${out}.partial`

export class SweepJournalMismatchError extends Error {
  override readonly name = 'SweepJournalMismatchError'
  constructor(readonly dir: string, readonly differences: readonly CardDifference[]) {
    const fields = differences.map((d) => `${d.field}: ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}`).join('; ')
    super(`${dir} holds the journal of another sweep (${fields}); to start over delete ${dir}, or choose another output file`)
  }
}

/**
 * Takes `<out>.partial/lock` for this sweep and returns its release: a live holder is refused (OutputLockedError), the
 * lock of a sweep that is gone is taken over with a notice. Releasing also removes the folder when it holds nothing else.
 */
export async function lockSweepOutput(out: string, onNotice?: (line: string) => void): Promise<() => Promise<void>> {
  const dir = partialDir(out)
  const release = await lockOutput(join(dir, 'lock'), out, { what: 'sweep', alternative: '--out', onNotice })
  return async () => {
    await release()
    await rmdir(dir).catch(() => {}) // kept while it holds a journal
  }
}

export interface SweepJournal {
  readonly dir: string
  readonly done: ReadonlyMap<number, CellRecord>
  /** Stores a scored cell: its inline PNGs as files first, then its line (a cell cut short leaves no line). */
  append(index: number, cell: ScoredCell): Promise<void>
  /** A journalled cell as the sweep reports it: inline images read back from their files. */
  restore(record: CellRecord): Promise<ScoredCell>
  remove(): Promise<void>
}

/** ±Infinity and NaN survive as strings (an exact reconstruction has PSNR ∞); numbers otherwise round-trip exactly. */
const toLine = (value: unknown): string =>
  `${JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`
const revive = (_: string, v: unknown): unknown => (v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v)

/** Opens (or begins) the journal of the sweep written to `out`; a torn last line from an interrupted write is cut off. */
export async function openSweepJournal(out: string, identity: SweepIdentity): Promise<SweepJournal> {
  const dir = partialDir(out)
  const file = join(dir, 'journal.jsonl')
  const done = await readJournal(dir, file, identity)
  if (done === null) {
    await mkdir(dir, { recursive: true })
    await writeFile(file, toLine({ sweep: identity }))
  }
  const records = done ?? new Map<number, CellRecord>()
  const inline = identity.gridImages.inline && identity.gridImages.dir === null
  return {
    dir,
    done: records,
    append: async (index, cell) => {
      const record = { index, cell: inline ? await imagesToFiles(dir, index, cell) : cell }
      await appendFile(file, toLine(record))
      records.set(index, record)
    },
    restore: async (record) => (inline ? imagesFromFiles(dir, record.cell) : record.cell),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** The records of an existing journal under `identity`, read line by line; null when there is none to resume (no file, torn header). */
async function readJournal(dir: string, file: string, identity: SweepIdentity): Promise<Map<number, CellRecord> | null> {
  if (!existsSync(file)) return null
  const done = new Map<number, CellRecord>()
  const lines = await readJsonLines(file, (line, i) => {
    if (i > 0) {
      const record = parseJsonLine<CellRecord>(line, file, i, revive)
      done.set(record.index, record)
      return
    }
    const header = parseJsonLine<{ sweep?: SweepIdentity }>(line, file, i, revive)
    const differences = diffFields(header.sweep ?? {}, identity)
    if (differences.length > 0) throw new SweepJournalMismatchError(dir, differences)
  })
  return lines === 0 ? null : done
}

const cellFolder = (index: number): string => `c${String(index).padStart(2, '0')}`

async function imagesToFiles(dir: string, index: number, cell: ScoredCell): Promise<ScoredCell> {
  await mkdir(join(dir, cellFolder(index)), { recursive: true })
  const images = await Promise.all(cell.images.map(async (ref) => {
    if (!('png' in ref)) return ref
    const file = `${cellFolder(index)}/img${String(ref.index).padStart(4, '0')}.png`
    await writeFile(join(dir, file), Buffer.from(ref.png, 'base64'))
    return { index: ref.index, file }
  }))
  return { ...cell, images }
}

async function imagesFromFiles(dir: string, cell: ScoredCell): Promise<ScoredCell> {
  const images = await Promise.all(cell.images.map(async (ref) =>
    'file' in ref ? { index: ref.index, png: (await readFile(join(dir, ref.file))).toString('base64') } : ref))
  return { ...cell, images }
}
