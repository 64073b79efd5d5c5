// Static serving of the built renderer: only regular files below the root; traversal in every spelling refused.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveStaticPath } from '../../src/server/static-files'

describe('resolveStaticPath', () => {
  let base: string
  let root: string

  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-static-')))
    root = join(base, 'renderer')
    mkdirSync(join(root, 'assets'), { recursive: true })
    writeFileSync(join(root, 'index.html'), '<!doctype html>')
    writeFileSync(join(root, 'assets', 'app.js'), '1')
    writeFileSync(join(base, 'secret.txt'), 'secret')
    symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'))
  })
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it('maps / to index.html and finds assets', async () => {
    expect(await resolveStaticPath(root, '/')).toBe(join(root, 'index.html'))
    expect(await resolveStaticPath(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'))
    expect(await resolveStaticPath(root, '/assets/%61pp.js')).toBe(join(root, 'assets', 'app.js'))
  })

  it('refuses traversal: plain, percent-encoded, double slashes, backslashes, NUL', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '//etc/passwd', '/..%5csecret.txt', '/index.html%00.js', '/%E0%A4%A']) {
      expect(await resolveStaticPath(root, path), path).toBeNull()
    }
  })

  it('lists no folders and follows no symlink out of the root', async () => {
    expect(await resolveStaticPath(root, '/assets')).toBeNull()
    expect(await resolveStaticPath(root, '/assets/')).toBeNull()
    expect(await resolveStaticPath(root, '/assets/link.txt')).toBeNull()
    expect(await resolveStaticPath(root, '/missing.js')).toBeNull()
  })
})
