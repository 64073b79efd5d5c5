import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { featureStats } from '../../../src/trainer/metrics/frechet'
import { decodeStatsNpz, loadStats, saveStats, statsPath } from '../../../src/trainer/metrics/stats-cache'
import { fixtureDir, referenceFeatures } from './reference-inputs'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

describe('stats cache', () => {
  it('saves pytorch-fid-style mu/sigma with the protocol and loads them back exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fid-stats-'))
    dirs.push(dir)
    const stats = featureStats(referenceFeatures(5, 20, 8, 0.5, 1, 0.1, 1.0), 20, 8)
    const protocol = { side: 'originals', dataset: { path: '/data/val', sha256: 'ab12' } }
    const path = await saveStats(dir, 'key123', stats, protocol)
    expect(path).toBe(statsPath(dir, 'key123'))
    const loaded = await loadStats(dir, 'key123')
    expect(loaded?.stats).toEqual(stats)
    expect(loaded?.protocol).toEqual({ ...protocol, nFeatures: 20 })
    const npyHeader = Buffer.from(await readFile(path)).toString('latin1')
    expect(npyHeader).toContain("{'descr': '<f8', 'fortran_order': False, 'shape': (8,), }")
    expect(npyHeader).toContain("{'descr': '<f8', 'fortran_order': False, 'shape': (8, 8), }")
  })

  it('returns null for a missing key and reads a plain numpy file without protocol', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fid-stats-'))
    dirs.push(dir)
    expect(await loadStats(dir, 'absent')).toBeNull()
    const plain = decodeStatsNpz(await readFile(`${fixtureDir}numpy-stats.npz`))
    expect(plain.protocol).toBeNull()
    expect(plain.stats.d).toBe(3)
    expect(plain.stats.sigma[1 * 3 + 2]).toBe(0.25)
  })
})
