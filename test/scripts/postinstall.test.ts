// The install story with a stand-in electron package: a failed, hung or working download never fails
// `npm install`; a failure prints exactly one line; `npm start` without the binary explains and exits 0.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url))
const dirs: string[] = []

/** A project folder holding our scripts and a fake node_modules/electron whose install.js runs `installJs`. */
function project(installJs: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowmo-install-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'scripts'))
  for (const file of ['postinstall.mjs', 'start.mjs', 'electron-binary.mjs']) copyFileSync(join(scripts, file), join(dir, 'scripts', file))
  const electron = join(dir, 'node_modules', 'electron')
  mkdirSync(electron, { recursive: true })
  writeFileSync(join(electron, 'package.json'), '{ "name": "electron", "version": "40.0.0" }')
  writeFileSync(join(electron, 'install.js'), installJs)
  return dir
}

function run(dir: string, script: string, env: Record<string, string> = {}) {
  const { ELECTRON_SKIP_BINARY_DOWNLOAD: _skip, ...parentEnv } = process.env
  const result = spawnSync(process.execPath, [join(dir, 'scripts', script)], { cwd: dir, encoding: 'utf8', env: { ...parentEnv, ...env }, timeout: 30_000 })
  return { code: result.status, lines: result.stdout.trim().split('\n').filter(Boolean), stderr: result.stderr }
}

afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

describe('postinstall', () => {
  it('a failed download: one line naming the cause and what still works, exit 0', () => {
    const dir = project("console.error('RequestError: getaddrinfo ENOTFOUND github.com\\n    at TLSSocket.emit'); process.exit(1)")
    const { code, lines, stderr } = run(dir, 'postinstall.mjs')
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^flowmo: desktop window unavailable: .*npx flowmo serve.*\(RequestError: getaddrinfo ENOTFOUND github\.com\)$/)
  })

  it('a hung download is stopped at the time limit, exit 0', () => {
    const dir = project('setTimeout(() => {}, 60_000)')
    const { code, lines } = run(dir, 'postinstall.mjs', { FLOWMO_ELECTRON_TIMEOUT_S: '1' })
    expect(code).toBe(0)
    expect(lines).toEqual([expect.stringMatching(/\(download timed out after 1 s\)$/)])
  })

  it('a working download installs the binary', () => {
    const install = "const fs = require('fs'); fs.mkdirSync(__dirname + '/dist'); fs.writeFileSync(__dirname + '/dist/electron', ''); fs.writeFileSync(__dirname + '/path.txt', 'electron')"
    const dir = project(install)
    expect(run(dir, 'postinstall.mjs').lines).toEqual(['flowmo: Electron installed; `npm start` opens the app'])
  })
})

describe('npm start without the Electron binary', () => {
  it('prints the notice and exits 0', () => {
    const { code, lines } = run(project('process.exit(1)'), 'start.mjs')
    expect(code).toBe(0)
    expect(lines[0]).toMatch(/^flowmo: desktop window unavailable: /)
  })
})
