// The one atomic write: the target is absent, old or complete — never partial; temp names are unique per write, a
// failed write leaves the old file and no temp file; concurrent writers leave one writer's whole content.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { syncFolder, tempPathFor, writeAtomicWith, writeFileAtomic } from '../../src/trainer/atomic-file'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-atomic-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file beside it', async () => {
    const path = join(tmp, 'report.json')
    writeFileSync(path, 'old')
    await writeFileAtomic(path, '{"new": true}\n')
    expect(readFileSync(path, 'utf8')).toBe('{"new": true}\n')
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]))
    expect([...readFileSync(path)]).toEqual([1, 2, 3])
    expect(readdirSync(tmp)).toEqual(['report.json'])
  })

  it('names temp files <path>.tmp-<pid>-<8 hex>, a new suffix each time', () => {
    const a = tempPathFor('/x/y.png')
    expect(a).toMatch(new RegExp(`^/x/y\\.png\\.tmp-${process.pid}-[0-9a-f]{8}$`))
    expect(new Set(Array.from({ length: 50 }, () => tempPathFor('/x/y.png'))).size).toBe(50)
  })

  it('a write that fails midway keeps the old content and removes its temp file', async () => {
    const dir = mkdtempSync(join(tmp, 'fail-'))
    const path = join(dir, 'model.safetensors')
    writeFileSync(path, 'complete old file')
    await expect(writeAtomicWith(path, async (file) => {
      await file.write('half of the new')
      throw new Error('disk full')
    })).rejects.toThrow('disk full')
    expect(readFileSync(path, 'utf8')).toBe('complete old file')
    expect(readdirSync(dir)).toEqual(['model.safetensors'])
  })

  it('concurrent writers of one file: the file is one writer\'s whole content, no temp file is left', async () => {
    const dir = mkdtempSync(join(tmp, 'race-'))
    const path = join(dir, 'run.json')
    const contents = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(100_000)}\n`)
    await Promise.all(contents.map((c) => writeFileAtomic(path, c)))
    expect(contents).toContain(readFileSync(path, 'utf8'))
    expect(readdirSync(dir)).toEqual(['run.json'])
  })

  it('fails on a missing folder with the path in the message, and syncFolder tolerates a folder', async () => {
    await expect(writeFileAtomic(join(tmp, 'no-such-dir', 'a.json'), 'x')).rejects.toThrow(/no-such-dir/)
    await expect(syncFolder(tmp)).resolves.toBeUndefined()
  })
})
