// The real `flowmo` bin in a child process: help, exit codes, one-line errors, `info`.
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commands } from '../../src/cli/main'

const bin = fileURLToPath(new URL('../../bin/flowmo.mjs', import.meta.url))

function flowmo(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('flowmo bin', () => {
  it('--help lists every registered command with its summary', () => {
    const { code, stdout } = flowmo(['--help'])
    expect(code).toBe(0)
    const rows = stdout.split('\n').map((line) => line.trim().split(/\s{2,}/)) // "name   summary"
    for (const command of commands) expect(rows).toContainEqual([command.name, command.summary])
    expect(stdout).toContain('--backend <name>')
  })

  it('unknown command: one clear line, exit 2', () => {
    const { code, stderr } = flowmo(['frobnicate'])
    expect(code).toBe(2)
    expect(stderr.split('\n')[0]).toBe("flowmo: unknown command 'frobnicate' (commands: " + commands.map((c) => c.name).join(', ') + ')')
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('no command: the overview on stderr, exit 2; --version prints the version', () => {
    const none = flowmo([])
    expect(none.code).toBe(2)
    expect(none.stderr.startsWith('flowmo: missing command')).toBe(true)
    const version = flowmo(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('bad option: usage error without a stack trace, exit 2', () => {
    const { code, stderr } = flowmo(['info', '--frob'])
    expect(code).toBe(2)
    expect(stderr).toContain("flowmo info: Unknown option '--frob'")
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('<command> --help prints the usage', () => {
    const { code, stdout } = flowmo(['info', '--help'])
    expect(code).toBe(0)
    expect(stdout.startsWith('usage: flowmo info')).toBe(true)
  })

  it('info prints the backend in use and the versions', () => {
    const json = flowmo(['info', '--json'])
    expect(json.code, json.stderr).toBe(0)
    const status = JSON.parse(json.stdout)
    expect(status.versions.node).toBe(process.versions.node)
    expect(status.versions.electron).toBeNull()
    expect(typeof status.backend).toBe('string')
    const text = flowmo(['info'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`backend      ${status.backend}`)
    expect(text.stdout).toContain(`node         ${process.versions.node}`)
  })

  it('--backend and FLOWMO_BACKEND reach the engine', () => {
    const flag = JSON.parse(flowmo(['--backend', 'cpu', 'info', '--json']).stdout)
    expect(flag).toMatchObject({ backend: 'cpu', requestedBackend: 'cpu' })
    const env = JSON.parse(flowmo(['info', '--json'], { FLOWMO_BACKEND: 'cpu' }).stdout)
    expect(env).toMatchObject({ backend: 'cpu', requestedBackend: 'cpu' })
  })

  it('--device webgpu: info names the adapter (lavapipe here), or exits 1 saying why there is none', () => {
    const gpu = flowmo(['info', '--device', 'webgpu', '--json'], { XDG_RUNTIME_DIR: tmpdir() })
    expect(gpu.code, gpu.stderr).toBe(0)
    const { device } = JSON.parse(gpu.stdout)
    expect(device).toMatchObject({ requested: 'webgpu', device: 'webgpu', adapter: { backend: 'vulkan' } })
    expect(device.adapter.name).toMatch(/llvmpipe/)
    const text = flowmo(['--device=webgpu', 'info'], { XDG_RUNTIME_DIR: tmpdir() })
    expect(text.stdout).toMatch(/^device +webgpu \(llvmpipe.*backend vulkan/m)
    const none = flowmo(['info', '--device', 'webgpu'], { VK_ICD_FILENAMES: join(tmpdir(), 'no-such-icd.json') })
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^flowmo info: error: device: Dawn found no WebGPU adapter on vulkan/m)
    const env = JSON.parse(flowmo(['info', '--json'], { FLOWMO_DEVICE: 'cpu' }).stdout)
    expect(env.device).toMatchObject({ requested: 'cpu', device: 'cpu', adapter: null })
  })

  it('--device takes only auto, cpu, webgpu or cuda (exit 2)', () => {
    const bad = flowmo(['--device', 'tpu', 'info'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--device must be one of auto, cpu, webgpu, cuda, got 'tpu'")
  })
})
