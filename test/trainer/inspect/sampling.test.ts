// Sampler knobs ↔ SamplingConfig: ρ ↔ pow_<1/ρ>, σ interval ↔ "(lo,hi)", and the interval in t for the timeline.
import { describe, expect, it } from 'vitest'
import { DEFAULT_SAMPLING } from '../../../src/trainer/model/configs'
import { guidanceIntervalT, samplingConfig, samplingRequest } from '../../../src/trainer/inspect/sampling'

describe('sampling knobs', () => {
  it('round-trip the reference default (25 steps, pow_0.25, cfg 1.5, (.17,1.02))', () => {
    const req = samplingRequest(DEFAULT_SAMPLING)
    expect(req).toEqual({ steps: 25, rho: 4, cfg: 1.5, interval: [0.17, 1.02] })
    expect(samplingConfig(req)).toEqual({ steps: 25, schedule: 'pow_0.25', cfg: 1.5, cfgInterval: '(0.17,1.02)' })
  })

  it('read "linear" as ρ 1 and no interval as null', () => {
    expect(samplingRequest({ steps: 6, schedule: 'linear', cfg: 1, cfgInterval: null })).toEqual({ steps: 6, rho: 1, cfg: 1, interval: null })
  })

  it('give the guidance interval in t = σ/(1+σ), [0, 1] when unbounded, null when cfg is off', () => {
    expect(guidanceIntervalT({ steps: 2, rho: 4, cfg: 2, interval: [1, 3] })).toEqual([0.5, 0.75])
    expect(guidanceIntervalT({ steps: 2, rho: 4, cfg: 2, interval: null })).toEqual([0, 1])
    expect(guidanceIntervalT({ steps: 2, rho: 4, cfg: 1, interval: [1, 3] })).toBeNull()
  })
})
