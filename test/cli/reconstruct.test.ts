// `flowmo reconstruct` and `flowmo info <checkpoint>` end to end through the real bin, and their answers to bad
// input: one clear line and a non-zero exit, never a stack trace.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { PickleWriter } from '../fixtures/checkpoint/pickle-writer'
import { writeTorchArchive } from '../fixtures/checkpoint/torch-archive'

const set = join(goldenDir(), 'tiny-a')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-rec-'))
const photo = join(goldenDir(), '..', 'data', 'photos', 'val-64', 'val64_0000.png')

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

function expectCleanFailure(r: { code: number; err: string }, message: RegExp): void {
  expect(r.code).not.toBe(0)
  expect(r.err).toMatch(message)
  expect(r.err).not.toMatch(/\n\s+at /) // no stack trace
}

describe('flowmo reconstruct', () => {
  it('encodes, quantises, samples and writes a PNG of the model size, with progress', async () => {
    const out = join(tmp, 'rec.png')
    const r = flowmo('reconstruct', '--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--image', photo, '--out', out, '--steps', '3')
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/reconstruct \[#+\] 3\/3/)
    const meta = await sharp(out).metadata()
    expect([meta.width, meta.height, meta.channels]).toEqual([32, 32, 3])
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true })
    expect(new Set(data).size).toBeGreaterThan(10) // a real image, not a constant
  })

  it('is reproducible for a seed and changes with it', () => {
    const run = (seed: string, name: string) => {
      const out = join(tmp, name)
      expect(flowmo('reconstruct', '--checkpoint', join(set, 'weights.safetensors'), '--config', join(set, 'config.json'), '--image', photo, '--out', out, '--seed', seed).code).toBe(0)
      return readFileSync(out)
    }
    expect(run('1', 'a.png').equals(run('1', 'b.png'))).toBe(true)
    expect(run('1', 'c.png').equals(run('2', 'd.png'))).toBe(false)
  })

  it('answers bad input with one clear line', () => {
    const base = ['reconstruct', '--config', join(set, 'config.json'), '--image', photo, '--out', join(tmp, 'x.png')]
    expectCleanFailure(flowmo(...base, '--checkpoint', join(tmp, 'missing.pth')), /checkpoint .*missing\.pth does not exist/)
    const truncated = join(tmp, 'truncated.pth')
    writeFileSync(truncated, readFileSync(join(set, 'checkpoint.pth')).subarray(0, 100_000))
    expectCleanFailure(flowmo(...base, '--checkpoint', truncated), /truncated|end of central directory|not a zip/i)
    const list = join(tmp, 'list.pth')
    writeTorchArchive(list, { pickle: new PickleWriter().proto().emptyList().stop().bytes() })
    expectCleanFailure(flowmo(...base, '--checkpoint', list), /not a state dict/)
    const other = ['reconstruct', '--config', join(goldenDir(), 'tiny-b', 'config.json'), '--image', photo, '--out', join(tmp, 'x.png')]
    expectCleanFailure(flowmo(...other, '--checkpoint', join(set, 'checkpoint.pth')), /does not fit[\s\S]*Shape mismatches/)
    const notImage = join(tmp, 'notes.png')
    writeFileSync(notImage, 'not an image')
    expectCleanFailure(flowmo('reconstruct', '--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--image', notImage, '--out', join(tmp, 'y.png')), /notes\.png: not an image/)
    expect(flowmo('reconstruct', '--checkpoint', join(set, 'checkpoint.pth')).code).toBe(2)
  })
})

describe('flowmo info <checkpoint>', () => {
  it('prints the implied config, parameters, BPP and state dicts from the headers', () => {
    const r = flowmo('info', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'))
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/model_ema_state_dict, model_state_dict; using model_ema_state_dict/)
    expect(r.out).toMatch(/1,502,765 parameters/)
    expect(r.out).toMatch(/16 tokens × 6 bits = 0\.0938 BPP \(LFQ\)/)
    expect(r.out).toMatch(/All keys matched successfully/)
  })
  it('says what to do when the shapes cannot imply a config', () => {
    const copy = join(tmp, 'tiny.pth')
    copyFileSync(join(set, 'checkpoint.pth'), copy)
    expectCleanFailure(flowmo('info', copy), /pass --config/)
  })
})
