// The eval protocol card: sampler fields from the config, and the dataset listing hash reacting to the files.
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { datasetListingHash } from '../../../src/trainer/eval/dataset-hash'
import { evalCard, scheduleRho } from '../../../src/trainer/eval/eval-card'
import { diffCards } from '../../../src/trainer/metrics/protocol'
import { cardInputs } from './card-inputs'

describe('eval protocol card', () => {
  it('records ρ, CFG and the interval in σ and in flow time', () => {
    const card = evalCard(cardInputs)
    expect(card.sampler).toMatchObject({ steps: 25, rho: 4, cfg: 1.5, seed: 0, schedule: 'pow_0.25', cfgIntervalSigma: '(.17,1.02)' })
    expect(card.sampler.cfgInterval![0]).toBeCloseTo(0.17 / 1.17, 12)
    expect(card.sampler.cfgInterval![1]).toBeCloseTo(1.02 / 2.02, 12)
    expect(scheduleRho('pow_0.5')).toBe(2)
    expect(scheduleRho('linear')).toBe(1)
  })

  it('diffs a sampler change field by field', () => {
    const a = evalCard(cardInputs)
    const b = evalCard({ ...cardInputs, sampling: { ...cardInputs.sampling, cfg: 1 }, seed: 3 })
    expect(diffCards(a, b)).toEqual([{ field: 'sampler.cfg', a: 1.5, b: 1 }, { field: 'sampler.seed', a: 0, b: 3 }])
  })

  it('hashes the listing: names, sizes and mtimes of the evaluated files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowmo-hash-'))
    const files = ['a.png', 'b.png'].map((f) => join(dir, f))
    for (const f of files) writeFileSync(f, 'x')
    for (const f of files) utimesSync(f, 1_700_000_000, 1_700_000_000)
    const h = await datasetListingHash(dir, files)
    expect(await datasetListingHash(dir, files)).toBe(h)
    expect(await datasetListingHash(dir, files.slice(0, 1))).not.toBe(h)
    writeFileSync(files[1], 'xy')
    utimesSync(files[1], 1_700_000_000, 1_700_000_000)
    expect(await datasetListingHash(dir, files)).not.toBe(h) // size changed
  })
})
