// Parity with the official PyTorch code on every golden set (../shared/golden or FLOWMO_GOLDEN_DIR).
import { describe, expect, it, beforeAll } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { checkGoldenSet, rowLine, summaryLine } from '../../../src/trainer/parity/run'

const dirs = findGoldenSets(goldenDir())

beforeAll(async () => {
  await initBackend()
})

describe('golden parity', () => {
  it('finds at least one set', () => {
    expect(dirs.length).toBeGreaterThan(0)
  })
  it.each(dirs.map((d) => [d.split('/').pop()!, d]))('%s matches the reference', async (_name, dir) => {
    const report = await checkGoldenSet(dir)
    console.log(summaryLine(report))
    const failures = report.rows.filter((r) => !r.ok).map(rowLine)
    expect(failures).toEqual([])
    expect(report.rows.length).toBeGreaterThan(40)
  })
})
