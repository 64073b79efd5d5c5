// When web mode rebuilds the renderer (missing or older than its sources), and the build lock between servers.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staleReason, withLock } from '../../src/server/renderer-build'

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

  it('takes over a lock whose holder died, and waits for a live holder', async () => {
    const lockDir = join(root, 'lock')
    mkdirSync(lockDir)
    const dead = spawnSync(process.execPath, ['-e', '0']).pid // exited already
    writeFileSync(join(lockDir, 'pid'), String(dead))
    expect(await withLock(lockDir, async () => 'ran')).toBe('ran')
    expect(existsSync(lockDir)).toBe(false)

    mkdirSync(lockDir)
    writeFileSync(join(lockDir, 'pid'), String(process.pid)) // alive: this process
    let ran = false
    const waiting = withLock(lockDir, async () => (ran = true))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(ran).toBe(false)
    rmSync(lockDir, { recursive: true })
    await waiting
    expect(ran).toBe(true)
  })
})
