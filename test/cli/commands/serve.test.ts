// `flowmo serve` as a command: help, usage errors (exit 2, one line) and a clear message for a port in use.
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../../../bin/flowmo.mjs', import.meta.url))
const flowmo = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 240_000 })

describe('flowmo serve', () => {
  it('is listed and explains its options', () => {
    expect(flowmo('--help').stdout).toMatch(/^\s+serve\s+web mode/m)
    const help = flowmo('serve', '--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: flowmo serve \[--port <p>\] \[--host <h>\] \[--allow <dir>\]… \[--open\]/)
  })

  it('rejects bad options with a usage error', () => {
    const badPort = flowmo('serve', '--port', '70000')
    expect(badPort.status).toBe(2)
    expect(badPort.stderr).toMatch(/--port expects an integer ≥ 0 ≤ 65535, got '70000'/)
    const badAllow = flowmo('serve', '--allow', '/no/such/folder')
    expect(badAllow.status).toBe(2)
    expect(badAllow.stderr).toMatch(/--allow expects a folder, got '\/no\/such\/folder'/)
  })

  it('says which port is in use and how to choose another', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const busy = spawnSync(process.execPath, [bin, 'serve', '--port', String(port)], { encoding: 'utf8', timeout: 240_000 })
      expect(busy.status).toBe(1)
      expect(busy.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: choose another with --port`))
    } finally {
      blocker.close()
    }
  })
})
