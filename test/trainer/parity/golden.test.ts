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

describe('the checks catch a plausible bug', () => {
  it('an attention scale of 1/√head_dim instead of 8/head_dim fails enc_code_pre and v', async () => {
    const { loadGoldenSet } = await import('../../../src/trainer/parity/golden-set')
    const { GoldenChecker } = await import('../../../src/trainer/parity/checks')
    const { openWeights } = await import('../../../src/trainer/checkpoint/checkpoint')
    const { FlowMo } = await import('../../../src/trainer/model/flowmo')
    const { loadWeightMap, disposeWeightMap } = await import('../../../src/trainer/model/weights')
    const set = await loadGoldenSet(dirs[0])
    const wrong = (s: typeof set.config.encoder) => ({ ...s, attentionScale: 1 / Math.sqrt(s.hiddenSize / s.numHeads) })
    const buggy = { ...set, config: { ...set.config, encoder: wrong(set.config.encoder), decoder: wrong(set.config.decoder) } }
    const w = await openWeights(`${dirs[0]}/weights.safetensors`)
    const map = await loadWeightMap(new FlowMo(buggy.config), w)
    await w.close()
    const c = new GoldenChecker(buggy, map)
    c.forward()
    disposeWeightMap(map)
    const failed = c.rows.filter((r) => !r.ok).map((r) => r.tensor)
    expect(failed).toEqual(expect.arrayContaining(['enc_code_pre', 'v', 'v_null']))
  })
})

describe('an incomplete golden set', () => {
  it('fails the check of a tensor the set lacks instead of skipping it', async () => {
    const { loadGoldenSet } = await import('../../../src/trainer/parity/golden-set')
    const { GoldenChecker } = await import('../../../src/trainer/parity/checks')
    const set = await loadGoldenSet(dirs[0])
    const io = new Map(set.io)
    io.delete('v')
    const c = new GoldenChecker({ ...set, io }, new Map())
    c.check('v', new Float32Array(1))
    c.check('t_emb', new Float32Array(set.io.get('t_emb')!.data))
    expect(c.rows.map((r) => [r.tensor, r.ok, r.note])).toEqual([['v', false, `missing from ${set.name}'s io.safetensors`], ['t_emb', true, undefined]])
  })
})
