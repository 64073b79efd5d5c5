// The gradient graph against the official code: Stage-1A losses and ∂(flow + quantiser loss)/∂θ on every
// golden set, within the golden tolerances (parity/tolerances.ts).
import { describe, expect, it } from 'vitest'
import { findGoldenSets, loadGoldenSet } from '../../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../../src/trainer/parity/golden-dir'
import { compareArrays } from '../../../../src/trainer/parity/tolerances'
import { ADAM_DEFAULTS } from '../../../../src/trainer/train/optim'
import { goldenWeights, runGoldenStep } from './golden-step'

const LOSSES = ['flow_loss', 'total_loss', 'lfq_per_sample_entropy', 'lfq_codebook_entropy', 'lfq_commitment']

describe.each(findGoldenSets(goldenDir()))('Stage-1A gradient graph on %s', (dir) => {
  it('matches the golden losses and gradients', async () => {
    const set = await loadGoldenSet(dir)
    const B = set.io.get('x')!.shape[0]
    const keep = new Float32Array(B).fill(1) // the reference computes its gradients without CFG dropout
    const { graph, out } = await runGoldenStep(set, await goldenWeights(set), { adam: ADAM_DEFAULTS, update: false, gradOutputs: true }, { keep })
    const rows = LOSSES.map((n) => compareArrays(n, out(n), set.io.get(n)!.data))
    for (const n of set.spec.grad_params) rows.push(compareArrays(`grad/${n}`, graph.layout.unpack(out('grad'), n), set.io.get(`grad/${n}`)!.data))
    const failed = rows.filter((r) => !r.ok).map((r) => `${r.tensor}: rel ${r.rel.toExponential(2)}`)
    expect(failed).toEqual([])
    expect(rows.length).toBe(LOSSES.length + set.spec.grad_params.length)
  })
})
