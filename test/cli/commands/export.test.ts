// `flowmo export` through the real bin on a tiny-64 checkpoint of zeros (big enough that an export takes a while):
// a whole export, then Ctrl-C mid-export stops it (exit 130) and leaves no graph and no folder behind.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSafetensors } from '../../../src/trainer/checkpoint/safetensors'
import { preset } from '../../../src/trainer/model/configs'
import { FlowMo } from '../../../src/trainer/model/flowmo'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-export-cli-'))
const checkpoint = join(tmp, 'tiny-64.safetensors')
const model = ['--checkpoint', checkpoint, '--preset', 'tiny-64']
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  const params = new FlowMo(preset('tiny-64')).parameters()
  await writeSafetensors(checkpoint, params.map((p) => ({ name: p.name, shape: p.shape, dtype: 'F32', data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) })))
})

/** Runs flowmo, sending SIGINT once stderr shows `line`; resolves with its exit code and stderr. */
function flowmoInterruptedAt(line: RegExp, ...args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['bin/flowmo.mjs', ...args])
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
    if (line.test(err) && child.exitCode === null && !child.killed) child.kill('SIGINT')
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })))
}

describe('flowmo export', () => {
  it('writes encoder.onnx, decoder.onnx and flowmo.json', () => {
    const out = join(tmp, 'whole')
    const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'export', ...model, '--out', out], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/exported tiny-64 \([\d,]+ parameters/)
    expect(readdirSync(out).sort()).toEqual(['decoder.onnx', 'encoder.onnx', 'flowmo.json'])
  })

  it('stops on Ctrl-C, removing what it wrote', async () => {
    const out = join(tmp, 'stopped')
    const r = await flowmoInterruptedAt(/encoder: read 32\//, 'export', ...model, '--out', out)
    expect(r.err).toMatch(/stopping the export[\s\S]*export stopped; .*stopped holds no export/)
    expect(r.code).toBe(130)
    expect(r.err).not.toMatch(/decoder: tracing/) // stopped in the encoder
    expect(existsSync(out)).toBe(false)
  })
})
