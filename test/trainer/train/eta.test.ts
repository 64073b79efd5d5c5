// etaSeconds against a step-by-step recount of the loop in run.ts: which steps validate (val or sample beat, or the
// last step off both beats) and which checkpoint (the beat, or the last step off it).
import { describe, expect, it } from 'vitest'
import { etaSeconds, type EtaInput } from '../../../src/trainer/train/eta'

function recount(e: EtaInput): number {
  let seconds = 0
  for (let s = e.step + 1; s <= e.maxSteps; s++) {
    seconds += 1 / e.itS
    const beatV = s % e.valEvery === 0 || s % e.sampleEvery === 0
    if (beatV || s === e.maxSteps) seconds += e.validationS
    if (s % e.checkpointEvery === 0 || s === e.maxSteps) seconds += e.checkpointS
  }
  return seconds
}

describe('etaSeconds', () => {
  it('adds each remaining validation and checkpoint at its last duration to the steps at the side-work-free rate', () => {
    const cases: EtaInput[] = []
    for (const [valEvery, sampleEvery, checkpointEvery] of [[4, 6, 5], [500, 500, 500], [3, 3, 7], [10, 4, 1000]])
      for (const [step, maxSteps] of [[0, 60], [17, 60], [59, 60], [0, 1000], [996, 1000], [60, 60]])
        cases.push({ step, maxSteps, itS: 2.5, valEvery, sampleEvery, checkpointEvery, validationS: 30, checkpointS: 4 })
    for (const e of cases) expect(etaSeconds(e), JSON.stringify(e)).toBeCloseTo(recount(e), 6)
  })

  it('is the plain steps over rate before any side work was measured', () => {
    expect(etaSeconds({ step: 100, maxSteps: 600, itS: 4, valEvery: 50, sampleEvery: 50, checkpointEvery: 50, validationS: 0, checkpointS: 0 })).toBe(125)
  })
})
