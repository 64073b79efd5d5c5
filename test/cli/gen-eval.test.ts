// `flowmo gen-eval` end to end: a real-photo folder against itself on the proxy network gives FID-proxy ≈ 0 and
// precision = recall = 1, with the protocol card, the proxy label and the small-N warning.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-gen-eval-'))
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')

describe('flowmo gen-eval', () => {
  it('scores identical sets as identical and writes metrics with their card', () => {
    const dir = join(tmp, 'set')
    mkdirSync(dir)
    for (let i = 0; i < 5; i++) copyFileSync(join(photos, `val64_000${i}.png`), join(dir, `${i}.png`))
    const json = join(tmp, 'm.json')
    const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'gen-eval', '--samples', dir, '--ref', dir, '--json', json, '--proxy'], { encoding: 'utf8', env: { ...process.env, FLOWMO_BACKEND: 'wasm' } })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/only 5 samples \(< 2048\)/)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(Object.keys(report.metrics).sort()).toEqual(['FID-proxy', 'IS-proxy', 'KID-proxy', 'precision', 'recall', 'sFID-proxy'])
    expect(Math.abs(report.metrics['FID-proxy'])).toBeLessThan(1e-6)
    expect([report.metrics.precision, report.metrics.recall]).toEqual([1, 1])
    expect(report.protocol).toMatchObject({ proxy: true, proxyReason: 'proxy requested', samples: { n: 5 }, reference: { n: 5 }, imageSizePx: 64, precisionRecallK: 3 })
  })
})
