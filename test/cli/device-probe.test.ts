// Dawn writes two notes on the adapter's limits ("Warning: maxDynamic…Buffers artificially reduced …") straight to
// stderr whenever it enumerates adapters on lavapipe (installed by .ci/run). `--device auto` probes the adapter in a
// child process, so neither `flowmo info` nor `flowmo eval` shows them, while the probe still finds the adapter.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-probe-'))
const env: NodeJS.ProcessEnv = { ...process.env, FLOWMO_BACKEND: 'wasm', XDG_RUNTIME_DIR: tmp, FLOWMO_CACHE_DIR: join(tmp, 'cache') }
delete env.FLOWMO_DEVICE
const DAWN_NOTE = /artificially reduced|^Warning:/m

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('--device auto keeps Dawn quiet', () => {
  it('Dawn does print the notes when it enumerates adapters in the process itself (the control)', () => {
    const probe = "const { create } = await import('webgpu'); await create([]).requestAdapter(); process.exit(0)"
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env })
    expect(r.stderr).toMatch(/maxDynamicUniformBuffersPerPipelineLayout artificially reduced/)
  })

  it('flowmo info: the adapter is found and named, and stderr is empty', () => {
    const r = flowmo('info')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/^device +cpu \(auto: the WebGPU adapter llvmpipe.* is software/m)
    expect(r.err).toBe('')
  })

  it('flowmo eval --device auto: no Dawn note on stderr, and the report names the device auto chose', () => {
    const set = join(goldenDir(), 'tiny-a')
    const json = join(tmp, 'eval.json')
    const r = flowmo('eval', '--device', 'auto', '--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'),
      '--data', join(goldenDir(), '..', 'data', 'photos', 'val-64'), '--n', '1', '--steps', '1', '--metrics', 'psnr', '--json', json)
    expect(r.code, r.err).toBe(0)
    expect(r.err).not.toMatch(DAWN_NOTE)
    expect(JSON.parse(readFileSync(json, 'utf8')).protocol.inference).toMatchObject({ path: 'onnxruntime', device: 'cpu' })
  })
})
