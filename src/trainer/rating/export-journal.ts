// The resume journal of a rating export: one JSON line per file already written into `<out>.partial/` (with its rater
// token, so a resumed export keeps it), plus the request fingerprint, so an interrupted export continues where it
// stopped and never mixes two different requests.
import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import { ExportError, sha256File } from './export-files'
import { nonFiniteReplacer, nonFiniteReviver, type ManifestEntry, type ManifestImage } from './manifest'

export type JournalRecord = { readonly kind: 'original'; readonly image: ManifestImage } | { readonly kind: 'recon'; readonly entry: ManifestEntry }

export const journalFile = 'journal.jsonl'
export const requestFile = 'request.json'

/** Key of one output file: `original/<image>` or `<method>/<image>`. */
export const recordKey = (r: JournalRecord): string => (r.kind === 'original' ? `original/${r.image.id}` : `${r.entry.method}/${r.entry.image}`)

/** Stores the fingerprint in a fresh partial folder; refuses a partial folder left by a different request. */
export async function claimPartial(partial: string, fingerprint: string): Promise<void> {
  const path = join(partial, requestFile)
  const existing = await readFile(path, 'utf8').catch(() => null)
  if (existing === null) return writeFileAtomic(path, JSON.stringify({ fingerprint }) + '\n')
  if (JSON.parse(existing).fingerprint !== fingerprint) {
    throw new ExportError(`${partial} holds an unfinished export of different images, methods or settings; delete it or choose another output folder`)
  }
}

/**
 * Records from an earlier run whose file is still there with the same sha256. A torn last line (the process died
 * mid-append) is skipped and its file made again; the journal is rewritten with the verified records only.
 */
export async function readJournal(partial: string): Promise<Map<string, JournalRecord>> {
  const text = await readFile(join(partial, journalFile), 'utf8').catch(() => '')
  const verified = new Map<string, JournalRecord>()
  for (const line of text.split('\n')) {
    let r: JournalRecord
    try {
      r = JSON.parse(line, nonFiniteReviver)
    } catch {
      continue
    }
    const file = r.kind === 'original' ? r.image.file : r.entry.file
    const hash = r.kind === 'original' ? r.image.sha256 : r.entry.sha256
    if ((await sha256File(join(partial, file))) === hash) verified.set(recordKey(r), r)
  }
  if (text) await writeFileAtomic(join(partial, journalFile), [...verified.values()].map((r) => JSON.stringify(r, nonFiniteReplacer) + '\n').join(''))
  return verified
}

export async function appendJournal(partial: string, r: JournalRecord): Promise<void> {
  await appendFile(join(partial, journalFile), JSON.stringify(r, nonFiniteReplacer) + '\n')
}
