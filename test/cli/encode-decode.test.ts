// `flowmo encode` → `flowmo decode` end to end on the bundled tokenizer: decode(encode(x)) is reconstruct(x) for the
// same seed, byte for byte, and flipped rows decode to mirrored images.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { readCodes } from '../../src/trainer/stage2/codes-file'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-codes-cli-'))
const checkpoint = 'resources/models/photo-64.safetensors'
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('flowmo encode / decode', () => {
  it('decode(encode(x)) equals reconstruct(x) with the same seed and position-keyed noise (codes carry no image to key by)', async () => {
    const data = join(tmp, 'data')
    mkdirSync(data)
    for (const name of ['val64_0003.png', 'val64_0007.png']) copyFileSync(join(photos, name), join(data, name))
    const codes = join(tmp, 'codes.safetensors')
    const enc = flowmo('encode', '--checkpoint', checkpoint, '--data', data, '--out', codes, '--flip')
    expect(enc.code, enc.err).toBe(0)
    expect(enc.out).toMatch(/wrote 4 codes \(64 tokens × 18 bits = 128 ids of 512; 1 class\)/) // 18 bits: two sub-tokens of 9
    const set = await readCodes(codes)
    expect(Array.from(set.flipped)).toEqual([0, 0, 1, 1])
    expect(set.tokenizer.config.codeLength).toBe(64)
    // a flipped image's code differs from the original's (the encoder is not mirror-invariant)
    expect(set.bits.subarray(0, 64 * 18).some((b, i) => b !== set.bits[2 * 64 * 18 + i])).toBe(true)

    const dec = flowmo('decode', '--checkpoint', checkpoint, '--codes', codes, '--out', join(tmp, 'dec'), '--steps', '3', '--seed', '5')
    expect(dec.code, dec.err).toBe(0)
    const rec = flowmo('reconstruct', '--checkpoint', checkpoint, '--data', data, '--out', join(tmp, 'rec'), '--steps', '3', '--seed', '5', '--noise', 'index')
    expect(rec.code, rec.err).toBe(0)
    for (const name of ['val64_0003.png', 'val64_0007.png']) {
      expect(readFileSync(join(tmp, 'dec', name)).equals(readFileSync(join(tmp, 'rec', name)))).toBe(true)
    }
    expect(readFileSync(join(tmp, 'dec', 'val64_0003_flip.png')).length).toBeGreaterThan(0)
  })

  it('answers bad input with one clear line', () => {
    const r = flowmo('decode', '--checkpoint', checkpoint, '--codes', checkpoint, '--out', join(tmp, 'x'))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/not a codes file from 'flowmo encode'/)
    expect(r.err).not.toMatch(/\n\s+at /)
    expect(flowmo('encode', '--checkpoint', checkpoint, '--out', join(tmp, 'c.safetensors')).code).toBe(2)
  })
})
