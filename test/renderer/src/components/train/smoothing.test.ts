// The loss curves' EMA: debiased (the first value is itself), weight 0 is the raw curve, gaps stay gaps.
import { describe, expect, it } from 'vitest'
import { ema } from '../../../../../src/renderer/src/components/train/smoothing'

describe('ema', () => {
  it('starts at the first value and follows a step change with weight-dependent lag', () => {
    const smoothed = ema([1, 1, 3, 3], 0.5)
    expect(smoothed[0]).toBeCloseTo(1, 12)
    expect(smoothed[1]).toBeCloseTo(1, 12)
    // averages 0.5, 0.75, 0.5·0.75 + 0.5·3 = 1.875; debiased by 1 − 0.5³
    expect(smoothed[2]).toBeCloseTo(1.875 / 0.875, 12)
    expect(smoothed[3]).toBeGreaterThan(smoothed[2])
    expect(smoothed[3]).toBeLessThan(3)
  })

  it('is the raw curve at weight 0 and leaves missing values out', () => {
    expect(ema([0.5, 0.2, 0.9], 0)).toEqual([0.5, 0.2, 0.9])
    const withGap = ema([2, Number.NaN, 2], 0.9)
    expect(Number.isNaN(withGap[1])).toBe(true)
    expect(withGap[2]).toBeCloseTo(2, 12) // the gap did not pull the average towards 0
  })
})
