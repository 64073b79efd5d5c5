// Sharded eval through the real bin on the golden tiny-a checkpoint and real photos: two shards merged give the
// one-process metrics and CSV exactly; merging shards of different protocols, a missing shard or a doubled one is refused.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-shard-'))
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }
const evalArgs = ['eval', '--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--data', data,
  '--n', '7', '--batch', '2', '--metrics', 'psnr,ssim,fid-proxy,kid-proxy', '--no-stats-cache']

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

const file = (name: string) => join(tmp, name)
const metricsOf = (name: string) => JSON.parse(readFileSync(file(name), 'utf8')).metrics as Record<string, number>

describe('flowmo eval --shard / merge', () => {
  beforeAll(() => {
    for (const [name, extra] of [['one.json', []], ['s0.json', ['--shard', '0/2']], ['s1.json', ['--shard', '1/2']], ['s1-steps3.json', ['--shard', '1/2', '--steps', '3']]] as const) {
      const r = flowmo(...evalArgs, '--steps', '2', ...extra, '--json', file(name), '--csv', file(name.replace('.json', '.csv')))
      if (r.code !== 0) throw new Error(r.err)
    }
  })

  it('two shards merge to the one-process metrics (FID/KID proxy included) and CSV', () => {
    const r = flowmo('eval', 'merge', file('s0.json'), file('s1.json'), '--json', file('merged.json'), '--csv', file('merged.csv'))
    expect(r.code, r.err).toBe(0)
    const [one, merged] = [metricsOf('one.json'), metricsOf('merged.json')]
    expect(Object.keys(merged).sort()).toEqual(['fid_proxy', 'kid_proxy', 'psnr', 'ssim'])
    for (const k of Object.keys(one)) expect(Math.abs(merged[k]! - one[k]!), k).toBeLessThan(1e-6)
    expect(merged).toEqual(one) // in fact identical: every image is reconstructed in the same batch as in one process
    expect(readFileSync(file('merged.csv'), 'utf8')).toBe(readFileSync(file('one.csv'), 'utf8'))
    const s0 = readFileSync(file('s0.json'), 'utf8').trim().split('\n')
    expect(s0.slice(1).map((l) => JSON.parse(l).index)).toEqual([0, 1, 4, 5]) // batches 0 and 2 of 2 images
  })

  it('refuses shards of different protocols, a missing shard and a doubled one', () => {
    const mixed = flowmo('eval', 'merge', file('s0.json'), file('s1-steps3.json'), '--json', file('x.json'))
    expect(mixed.code).toBe(1)
    expect(mixed.err).toMatch(/s1-steps3\.json was evaluated under another protocol than .*s0\.json \(sampler\.steps: 2 vs 3/)
    const missing = flowmo('eval', 'merge', file('s0.json'), '--json', file('x.json'))
    expect(missing.err).toMatch(/shard 1\/2 missing/)
    const doubled = flowmo('eval', 'merge', file('s0.json'), file('s0.json'), '--json', file('x.json'))
    expect(doubled.err).toMatch(/are both shard 0\/2/)
    const noJson = flowmo(...evalArgs, '--shard', '0/2')
    expect(noJson.code).toBe(2)
    expect(noJson.err).toMatch(/--shard needs --json/)
    expect(flowmo(...evalArgs, '--shard', '2/2', '--json', file('y.json')).err).toMatch(/--shard 2\/2: needs 0 ≤ i < n/)
  })
})
