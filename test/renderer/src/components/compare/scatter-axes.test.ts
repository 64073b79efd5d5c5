// Scatter axes: linear or log by the data's spread, round ticks inside the padded range, positions 0..1.
import { describe, expect, it } from 'vitest'
import { axisOver } from '../../../../../src/renderer/src/components/compare/scatter-axes'

describe('axisOver', () => {
  it('is linear over a narrow range, with 1-2-5 ticks inside it', () => {
    const axis = axisOver([18.3, 24.9])
    expect(axis.log).toBe(false)
    expect(axis.ticks).toEqual([18, 20, 22, 24])
    expect(axis.at(18.3)).toBeCloseTo(0.08 / 1.16, 10)
    expect(axis.at(24.9)).toBeCloseTo(1.08 / 1.16, 10)
    expect(axis.ticks.map(axis.format)).toEqual(['18', '20', '22', '24'])
  })

  it('labels close ticks with the decimals their spacing needs', () => {
    const axis = axisOver([0.996, 1.0078]) // padded 0.99506–1.00874: a quarter is 0.0034, so steps of 0.005
    expect(axis.ticks.map(axis.format)).toEqual(['1.000', '1.005'])
  })

  it('is log over more than a factor 4 of positive values', () => {
    const axis = axisOver([0.0938, 2.14, Infinity])
    expect(axis.log).toBe(true)
    expect(axis.ticks).toEqual([0.1, 0.2, 0.5, 1, 2])
    expect(axis.at(Math.sqrt(0.0938 * 2.14))).toBeCloseTo(0.5, 10) // geometric middle
    expect(axisOver([5.99, 24.8], { logRatio: null }).log).toBe(false)
  })

  it('gives a usable axis for a single value or none', () => {
    const one = axisOver([5])
    expect(one.at(5)).toBeCloseTo(0.5, 10)
    expect(one.ticks.length).toBeGreaterThan(0)
    expect(axisOver([]).ticks.length).toBeGreaterThan(0)
  })
})
