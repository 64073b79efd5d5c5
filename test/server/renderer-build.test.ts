// When web mode rebuilds the renderer (missing or older than its sources); its build lock is trainer/process-lock.ts.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staleReason } from '../../src/server/renderer-build'

describe('renderer build', () => {
  let root: string
  const outDir = () => join(root, 'out', 'renderer')
  const setMtime = (path: string, seconds: number) => utimesSync(path, seconds, seconds)

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flowmo-build-'))
    mkdirSync(join(root, 'src', 'renderer', 'src'), { recursive: true })
    writeFileSync(join(root, 'src', 'renderer', 'src', 'App.svelte'), '<p>app</p>')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('asks for a build when there is none, or when a source is newer than it', () => {
    expect(staleReason(root, outDir())).toMatch(/has no built renderer/)
    mkdirSync(outDir(), { recursive: true })
    writeFileSync(join(outDir(), 'index.html'), '<!doctype html>')
    for (const dir of [join(root, 'src', 'renderer', 'src', 'App.svelte'), join(root, 'src', 'renderer', 'src'), join(root, 'src', 'renderer')]) setMtime(dir, 1000)
    setMtime(join(outDir(), 'index.html'), 2000)
    expect(staleReason(root, outDir())).toBeNull()
    setMtime(join(root, 'src', 'renderer', 'src', 'App.svelte'), 3000)
    expect(staleReason(root, outDir())).toMatch(/sources changed/)
  })

  it('serves what ships when there are no sources (an installed app)', () => {
    rmSync(join(root, 'src'), { recursive: true })
    expect(staleReason(root, outDir())).toBeNull()
  })
})
