// The resume journal: only records whose file still has the recorded sha256 count, a torn last line is dropped and
// the journal rewritten clean, and a partial folder of another request is refused.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/trainer/rating/export-files'
import { appendJournal, claimPartial, journalFile, readJournal, type JournalRecord } from '../../../src/trainer/rating/export-journal'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-'))
  await mkdir(join(dir, 'originals'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const original = (id: string, bytes: string): JournalRecord => ({ kind: 'original', image: { id, source: `${id}.jpg`, file: `originals/${id}.png`, token: `t-${id}`, sha256: sha256(bytes) } })

describe('readJournal', () => {
  it('keeps verified records, drops changed files and a torn line, and rewrites the journal', async () => {
    for (const [id, bytes] of [['a', 'A'], ['b', 'B'], ['c', 'C']]) {
      await writeFile(join(dir, 'originals', `${id}.png`), bytes)
      await appendJournal(dir, original(id, bytes))
    }
    await writeFile(join(dir, 'originals', 'b.png'), 'changed')
    await writeFile(join(dir, journalFile), (await readFile(join(dir, journalFile), 'utf8')) + '{"kind":"orig')
    const verified = await readJournal(dir)
    expect([...verified.keys()]).toEqual(['original/a', 'original/c'])
    await appendJournal(dir, original('d', 'D')) // lands on its own line, not glued to the torn one
    await writeFile(join(dir, 'originals', 'd.png'), 'D')
    expect([...(await readJournal(dir)).keys()]).toEqual(['original/a', 'original/c', 'original/d'])
  })

  it('an empty or missing journal means nothing was written', async () => {
    expect((await readJournal(dir)).size).toBe(0)
  })
})

describe('claimPartial', () => {
  it('accepts the same request again and refuses another', async () => {
    await claimPartial(dir, 'f1')
    await claimPartial(dir, 'f1')
    await expect(claimPartial(dir, 'f2')).rejects.toThrow(/holds an unfinished export of different images, methods or settings/)
  })
})
