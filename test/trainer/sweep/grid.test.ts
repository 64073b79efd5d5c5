// The sweep grid: axes default to the model's sampler, one setting per cell in a fixed order (repeats kept),
// each setting maps to the sampler config, and bad values are refused with the axis named.
import { describe, expect, it } from 'vitest'
import { completeGrid, gridCellCount, gridSettings, parseSigmaInterval, settingLabel, settingSampling } from '../../../src/trainer/sweep/grid'

const base = { steps: 25, schedule: 'pow_0.25', cfg: 1.5, cfgInterval: '(.17,1.02)' }

describe('sweep grid', () => {
  it('fills missing axes from the model config', () => {
    expect(completeGrid({ steps: [2, 4] }, base)).toEqual({ steps: [2, 4], rho: [4], cfg: [1.5], interval: [[0.17, 1.02]] })
    expect(completeGrid({}, { ...base, schedule: 'linear', cfgInterval: null })).toEqual({ steps: [25], rho: [1], cfg: [1.5], interval: [null] })
  })

  it('expands to one setting per cell, steps outermost, repeats kept', () => {
    const grid = completeGrid({ steps: [2, 4, 2], rho: [1, 4], cfg: [1], interval: [null, [0.17, 1.02]] }, base)
    const settings = gridSettings(grid)
    expect(settings).toHaveLength(3 * 2 * 1 * 2)
    expect(settings.slice(0, 3)).toEqual([
      { steps: 2, rho: 1, cfg: 1, interval: null },
      { steps: 2, rho: 1, cfg: 1, interval: [0.17, 1.02] },
      { steps: 2, rho: 4, cfg: 1, interval: null },
    ])
    expect(settings[8]).toEqual(settings[0]) // the repeated steps value gives the same settings again
    expect(gridCellCount({ steps: [2, 4, 2], rho: [1, 4], interval: [null, [0.17, 1.02]] })).toBe(settings.length) // cfg: the config's one
  })

  it('maps a setting to the sampler config and a file-safe label', () => {
    const s = { steps: 4, rho: 4, cfg: 1.5, interval: [0.17, 1.02] as const }
    expect(settingSampling(s)).toEqual({ steps: 4, schedule: 'pow_0.25', cfg: 1.5, cfgInterval: '(0.17,1.02)' })
    expect(settingSampling({ ...s, interval: null }).cfgInterval).toBeNull()
    expect(settingLabel(s)).toBe('s4-rho4-cfg1.5-sigma0.17-1.02')
    expect(settingLabel({ ...s, interval: null })).toBe('s4-rho4-cfg1.5-sigma-all')
  })

  it('refuses empty axes and bad values', () => {
    expect(() => completeGrid({ steps: [] }, base)).toThrow(/axis steps has no values/)
    expect(() => completeGrid({ steps: [0] }, base)).toThrow(/positive integers, got 0/)
    expect(() => completeGrid({ rho: [-1] }, base)).toThrow(/ρ must be positive/)
    expect(() => completeGrid({ interval: [[2, 1]] }, base)).toThrow(/0 ≤ lo ≤ hi/)
    expect(parseSigmaInterval('(.17, 1.02)')).toEqual([0.17, 1.02])
    expect(() => parseSigmaInterval('.17-1.02')).toThrow(/must look like/)
  })
})
