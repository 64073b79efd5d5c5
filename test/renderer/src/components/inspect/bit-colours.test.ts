// The value map of non-bit codes: diverging around 0 (positive red, negative blue, 0 white), scaled by the largest |v|.
import { interpolateRdBu } from 'd3-scale-chromatic'
import { describe, expect, it } from 'vitest'
import { bitColours, valueColours } from '../../../../../src/renderer/src/components/inspect/bit-colours'

describe('valueColours', () => {
  it('maps ±max|v| to the ends of RdBu and 0 to its middle', () => {
    const { colours, maxAbs } = valueColours(Float32Array.from([0.75, -0.25, 0, -0.75]))
    expect(maxAbs).toBe(0.75)
    expect(colours).toEqual([interpolateRdBu(0), interpolateRdBu(2 / 3), interpolateRdBu(0.5), interpolateRdBu(1)])
  })

  it('an all-zero code is all white, and bits keep their two colours', () => {
    expect(new Set(valueColours(new Float32Array(4)).colours)).toEqual(new Set([interpolateRdBu(0.5)]))
    expect(bitColours(Float32Array.from([1, -1]))).toEqual(['#e8ecf5', '#1f2433'])
  })
})
