// `flowmo code-stats` through the real bin on the bundled tokenizer: a folder's statistics equal those of the same
// folder's codes file from `flowmo encode`, and its per-bit usage and correlations are recomputed from those bits.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { readCodes } from '../../src/trainer/stage2/codes-file'
import { bundledCheckpoint } from '../fixtures/models/second-checkpoint'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-code-stats-'))
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8' })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('flowmo code-stats', () => {
  it('folder and codes file agree; usage and correlations match the bits', async () => {
    const data = join(tmp, 'data')
    mkdirSync(data)
    for (let i = 0; i < 6; i++) copyFileSync(join(photos, `val64_000${i}.png`), join(data, `val64_000${i}.png`))
    const fromData = flowmo('code-stats', '--checkpoint', bundledCheckpoint, '--data', data, '--json', join(tmp, 'a.json'))
    expect(fromData.code, fromData.err).toBe(0)
    expect(fromData.out).toMatch(/^6 codes of 64 tokens × 18 bits \(sub-tokens of 9 bits\)$/m) // photo-64: entropy groups of 9
    expect(flowmo('encode', '--checkpoint', bundledCheckpoint, '--data', data, '--out', join(tmp, 'codes.safetensors')).code).toBe(0)
    const fromCodes = flowmo('code-stats', '--codes', join(tmp, 'codes.safetensors'), '--json', join(tmp, 'b.json'))
    expect(fromCodes.code, fromCodes.err).toBe(0)
    const [a, b] = ['a.json', 'b.json'].map((f) => JSON.parse(readFileSync(join(tmp, f), 'utf8')))
    expect({ ...a, source: null }).toEqual({ ...b, source: null })
    const set = await readCodes(join(tmp, 'codes.safetensors'))
    const rows = 6 * 64
    const C = 18 // bits per token
    for (const i of [0, 5, 11]) {
      const ones = Array.from({ length: rows }, (_, r) => set.bits[r * C + i] > 0).filter(Boolean).length
      expect(a.bitUsage.perBit[i]).toBeCloseTo(ones / rows, 10)
    }
    const agree = Array.from({ length: rows }, (_, r) => set.bits[r * C + 3] === set.bits[r * C + 7]).filter(Boolean).length
    const [p3, p7] = [3, 7].map((i) => a.bitUsage.perBit[i])
    const [m3, m7] = [2 * p3 - 1, 2 * p7 - 1] // means of ±1 bits
    const r37 = ((2 * agree - rows) / rows - m3 * m7) / Math.sqrt((1 - m3 * m3) * (1 - m7 * m7))
    expect(a.bitCorrelation[3 * C + 7]).toBeCloseTo(r37, 10)
    expect(a.codebook.distinct).toBeLessThanOrEqual(rows)
    expect(a.distinctImageCodes).toBe(6)
  })

  it('answers bad input with one line', () => {
    expect(flowmo('code-stats', '--codes', join(tmp, 'none.safetensors')).err.split('\n')[0]).toBe(`flowmo code-stats: error: codes file ${join(tmp, 'none.safetensors')} does not exist`)
    expect(flowmo('code-stats').code).toBe(2)
  })
})
