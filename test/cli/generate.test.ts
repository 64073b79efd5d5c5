// Stage 2 from the command line on a tiny tokenizer: encode → train --stage 2 (checkpoint, metrics.jsonl) → generate
// (PNGs, generation.json, the ADM .npz as uint8 NHWC arr_0).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeZip } from '../../src/trainer/metrics/npz'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-generate-'))
const set = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('flowmo train --stage 2 / generate', () => {
  it('trains a generator on codes and writes samples, their card and the ADM file', () => {
    const data = join(tmp, 'data')
    mkdirSync(data)
    for (const name of ['val64_0001.png', 'val64_0002.png']) copyFileSync(join(photos, name), join(data, name))
    const tokenizer = ['--checkpoint', join(set, 'weights.safetensors'), '--config', join(set, 'config.json')]
    const codes = join(tmp, 'codes.safetensors')
    expect(flowmo('encode', ...tokenizer, '--data', data, '--out', codes, '--path', 'tfjs').code).toBe(0)
    const run = join(tmp, 'run')
    const t = flowmo('train', '--stage', '2', '--codes', codes, '--preset', 'maskgit-tiny', '--out', run, '--max-steps', '2', '--checkpoint-every', '2', '--batch', '2', '--log-every', '1')
    expect(t.code, t.err).toBe(0)
    expect(existsSync(join(run, 'checkpoints', 'step-000002.safetensors'))).toBe(true)
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2)
    const out = join(tmp, 'samples')
    const g = flowmo('generate', '--run', run, '--tokenizer', tokenizer[1], '--config', tokenizer[3], '--n', '3', '--out', out, '--npz', join(tmp, 's.npz'), '--steps', '2', '--decode-steps', '2')
    expect(g.code, g.err).toBe(0)
    for (const i of [0, 1, 2]) expect(existsSync(join(out, `sample_0000${i}.png`))).toBe(true)
    expect(JSON.parse(readFileSync(join(out, 'generation.json'), 'utf8'))).toMatchObject({ n: 3, generator: { step: 2, weights: 'ema' }, sampling: { steps: 2 } })
    const npy = decodeZip(readFileSync(join(tmp, 's.npz'))).get('arr_0.npy')!
    expect(new TextDecoder().decode(npy.subarray(10, 80))).toMatch(/'descr': '\|u1', 'fortran_order': False, 'shape': \(3, 32, 32, 3\)/)
    expect(flowmo('generate', '--run', run, '--tokenizer', tokenizer[1], '--config', tokenizer[3], '--n', '1', '--out', out, '--class', 'nope').code).toBe(2)
  }, 300_000)
})
