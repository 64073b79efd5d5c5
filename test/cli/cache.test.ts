// `flowmo cache` through the real bin on a cache of two real exports (golden tiny-a, fused and unfused): ls sizes and
// orders them by last use, prune keeps the most recent under --max-gb and drops a dead export's temp folder, rm
// removes by key and names an unknown one.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportFlowMo } from '../../src/trainer/export/flowmo-export'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-cache-cli-'))
const set = join(goldenDir(), 'tiny-a')
const [older, newer] = ['00000000000000aa', '00000000000000bb']

function flowmo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'cache', ...args], { encoding: 'utf8', env: { ...process.env, FLOWMO_CACHE_DIR: tmp } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(async () => {
  const src = { checkpoint: join(set, 'weights.safetensors'), config: join(set, 'config.json') }
  await exportFlowMo(src, join(tmp, older), { fusedAttention: true })
  await exportFlowMo(src, join(tmp, newer), { fusedAttention: false })
  utimesSync(join(tmp, older), new Date('2026-01-01'), new Date('2026-01-01'))
  mkdirSync(join(tmp, `${newer}.tmp-999999999-abcd`)) // left by a killed export (no such pid)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('flowmo cache', () => {
  it('ls, prune --max-gb, rm', () => {
    const ls = flowmo('ls', '--json')
    expect(ls.code, ls.err).toBe(0)
    const { entries } = JSON.parse(ls.out)
    expect(entries.map((e: { key: string }) => e.key)).toEqual([newer, older])
    expect(entries[1]).toMatchObject({ fusedAttention: true, lastUsed: '2026-01-01T00:00:00.000Z', checkpoint: expect.stringContaining('weights.safetensors') })
    expect(entries[0].bytes).toBeGreaterThan(100_000)
    expect(flowmo('ls').out).toMatch(new RegExp(`^${newer} +0\\.\\d\\d GB`, 'm'))

    const keep = (entries[0].bytes + 1) / 1e9 // room for the newer one only
    const prune = flowmo('prune', '--max-gb', String(keep))
    expect(prune.code, prune.err).toBe(0)
    expect(prune.out).toContain(`removed ${older}`)
    expect([existsSync(join(tmp, older)), existsSync(join(tmp, newer)), existsSync(join(tmp, `${newer}.tmp-999999999-abcd`))]).toEqual([false, true, false])

    expect(flowmo('rm', older)).toMatchObject({ code: 1, err: expect.stringContaining(`no export ${older}`) })
    expect(flowmo('rm', newer)).toMatchObject({ code: 0, out: expect.stringContaining(`removed ${newer}`) })
    expect(JSON.parse(flowmo('ls', '--json').out).entries).toEqual([])
    expect(flowmo('prune')).toMatchObject({ code: 2, err: expect.stringContaining('--max-gb') })
  })
})
