// File-access policy: only paths under allowed roots, by real path; '..', symlinks, absolute and encoded paths.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

type Files = typeof import('../../src/trainer/files')

describe('file access policy', () => {
  let base: string // <tmp>/{allowed/{a.txt,sub/b.bin,out-link→secret,file-link→secret/key,%2e%2e},secret/key}
  let allowed: string
  let files: Files

  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-files-')))
    allowed = join(base, 'allowed')
    mkdirSync(join(allowed, 'sub'), { recursive: true })
    mkdirSync(join(base, 'secret'))
    writeFileSync(join(allowed, 'a.txt'), 'hello')
    writeFileSync(join(allowed, 'sub', 'b.bin'), new Uint8Array(1234))
    writeFileSync(join(base, 'secret', 'key'), 'secret')
    symlinkSync(join(base, 'secret'), join(allowed, 'out-link'))
    symlinkSync(join(base, 'secret', 'key'), join(allowed, 'file-link'))
    symlinkSync(join(allowed, 'sub'), join(base, 'in-link')) // outside the root, pointing into it
    mkdirSync(join(allowed, '%2e%2e'))
  })
  afterAll(() => rmSync(base, { recursive: true, force: true }))
  beforeEach(async () => {
    vi.resetModules() // a fresh policy (module state) per test
    vi.stubEnv('FLOWMO_ALLOW_ROOTS', allowed)
    files = await import('../../src/trainer/files')
  })

  it('reads inside a root and returns the real path', async () => {
    expect(await files.assertReadable(join(allowed, 'a.txt'))).toBe(join(allowed, 'a.txt'))
    expect(await files.assertReadable(join(allowed, 'sub', '..', 'a.txt'))).toBe(join(allowed, 'a.txt'))
    expect(await files.assertReadable(join(base, 'in-link', 'b.bin'))).toBe(join(allowed, 'sub', 'b.bin'))
  })

  it("refuses '..' that leaves the root, absolute paths elsewhere and symlinks out", async () => {
    const forbidden = { code: 'forbidden' }
    await expect(files.assertReadable(join(allowed, '..', 'secret', 'key'))).rejects.toMatchObject(forbidden)
    await expect(files.assertReadable(`${allowed}/sub/../../secret/key`)).rejects.toMatchObject(forbidden)
    await expect(files.assertReadable('/etc/passwd')).rejects.toMatchObject(forbidden)
    await expect(files.assertReadable(join(allowed, 'out-link', 'key'))).rejects.toMatchObject(forbidden)
    await expect(files.assertReadable(join(allowed, 'file-link'))).rejects.toMatchObject(forbidden)
    await expect(files.assertReadable(`${allowed}-sibling/x`)).rejects.toMatchObject(forbidden) // a prefix is not a parent
    await expect(files.assertReadable(join(base, 'secret', 'missing'))).rejects.toMatchObject(forbidden) // no existence oracle
  })

  it('takes percent-encoded traversal literally and refuses relative or NUL paths', async () => {
    expect(await files.assertReadable(join(allowed, '%2e%2e'))).toBe(join(allowed, '%2e%2e'))
    await expect(files.assertReadable(join(allowed, '%2e%2e', '%2e%2e', 'secret', 'key'))).rejects.toMatchObject({ code: 'not-found' })
    await expect(files.assertReadable('allowed/a.txt')).rejects.toMatchObject({ code: 'invalid-request' })
    await expect(files.assertReadable(`${allowed}/a.txt\0.png`)).rejects.toMatchObject({ code: 'invalid-request' })
  })

  it('reports a missing file inside a root as not-found', async () => {
    await expect(files.assertReadable(join(allowed, 'nope.png'))).rejects.toMatchObject({ code: 'not-found' })
  })

  it('allowRoot opens one more folder or a single file', async () => {
    await expect(files.assertReadable(join(base, 'secret', 'key'))).rejects.toMatchObject({ code: 'forbidden' })
    expect(await files.allowRoot(join(base, 'secret', 'key'))).toBe(join(base, 'secret', 'key'))
    expect(await files.assertReadable(join(base, 'secret', 'key'))).toBe(join(base, 'secret', 'key'))
    await expect(files.assertReadable(join(base, 'secret'))).rejects.toMatchObject({ code: 'forbidden' })
    await expect(files.allowRoot(join(base, 'nothing-here'))).rejects.toMatchObject({ code: 'not-found' })
    const resources = realpathSync(new URL('../../resources', import.meta.url))
    expect(await files.allowedRoots()).toEqual(expect.arrayContaining([resources, allowed]))
  })

  it('lists a folder inside the roots: folders first, sizes, no links that leave', async () => {
    const entries = await files.listFiles(allowed)
    expect(entries.map((e) => [e.name, e.kind])).toEqual([
      ['%2e%2e', 'directory'],
      ['sub', 'directory'],
      ['a.txt', 'file'],
    ])
    expect(await files.listFiles(join(allowed, 'sub'))).toEqual([{ name: 'b.bin', path: join(allowed, 'sub', 'b.bin'), kind: 'file', sizeBytes: 1234 }])
    await expect(files.listFiles(base)).rejects.toMatchObject({ code: 'forbidden' })
    await expect(files.listFiles(join(allowed, 'a.txt'))).rejects.toMatchObject({ code: 'not-a-folder' })
  })
})
