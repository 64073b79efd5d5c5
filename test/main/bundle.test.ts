// The production build (electron.vite.config.ts) without the Electron binary: preload is one CommonJS file
// needing only electron, the page carries a strict CSP, and the bundled engine serves the protocol in Node and takes
// main's host-grant messages.
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../../src/shared/protocol'
import { createClient } from '../../src/shared/rpc'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('electron-vite build', () => {
  let outDir: string
  let engine: ChildProcess | null = null

  beforeAll(() => {
    mkdirSync(join(root, 'out'), { recursive: true })
    outDir = mkdtempSync(join(root, 'out', 'test-')) // inside the project (git-ignored), so the engine finds node_modules
    execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], { cwd: root, stdio: 'pipe' })
  })
  afterAll(() => {
    engine?.kill()
    rmSync(outDir, { recursive: true, force: true })
  })

  it('bundles the preload as CommonJS that requires only electron', () => {
    const preload = readFileSync(join(outDir, 'preload/index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron'])
    expect(preload).not.toMatch(/^\s*import\s/m)
    expect(preload).toContain('exposeInMainWorld("flowmo"')
    expect(preload).toContain('exposeInMainWorld("flowmoDesktop"')
  })

  it('ships the page with a strict Content-Security-Policy', () => {
    const html = readFileSync(join(outDir, 'renderer/index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
  })

  it('the bundled engine starts in Node and answers status', async () => {
    const chunks = join(outDir, 'main/chunks')
    const main = readFileSync(join(outDir, 'main/index.js'), 'utf8')
    const entry = readdirSync(chunks).find((file) => main.includes(`./chunks/${file}`))
    expect(entry, 'main/index.js names the engine chunk').toBeDefined()
    const child = fork(join(chunks, entry!), [], { serialization: 'advanced', stdio: 'pipe', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
    engine = child
    let stderr = ''
    child.stderr?.on('data', (data) => (stderr += data))
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`engine exited (${code}): ${stderr}`))))
    const client = createClient<TrainerApi, TrainerEvents>(
      { postMessage: (m) => void child.send(m as never), onMessage: (l) => (child.on('message', l), () => void child.off('message', l)) },
      trainerMethods,
    )
    const status = await Promise.race([client.status(), exited])
    expect(status).toMatchObject({ backend: 'cpu', versions: { node: process.versions.node, electron: null } })
    // main's host-grant (a native dialog's choice) makes a folder readable; a renderer call could not
    const chosen = mkdtempSync(join(tmpdir(), 'flowmo-chosen-'))
    writeFileSync(join(chosen, 'photo.png'), 'x')
    await expect(client.listFiles({ dir: chosen })).rejects.toMatchObject({ code: 'forbidden' })
    const reply = new Promise((resolve) => child.on('message', (m: { kind?: string }) => m.kind === 'host-grant-reply' && resolve(m)))
    child.send({ kind: 'host-grant', id: 1, paths: [chosen] })
    expect(await reply).toEqual({ kind: 'host-grant-reply', id: 1, ok: true, paths: [realpathSync(chosen)] })
    expect((await client.listFiles({ dir: chosen })).entries.map((e) => e.name)).toEqual(['photo.png'])
    rmSync(chosen, { recursive: true, force: true })
  })
})
