// Colour maps: inferno's ends, monotone brightness, clamping and NaN grey.
import { describe, expect, it } from 'vitest'
import { colourMap } from '../../src/shared/colour-maps'

describe('colourMap', () => {
  it('maps 0 and max to inferno’s ends, clamps beyond, greys NaN', () => {
    const rgb = colourMap([0, 2, 5, NaN, -1], 2)
    expect([...rgb.subarray(0, 3)]).toEqual([0, 0, 4]) // inferno(0) = #000004
    expect([...rgb.subarray(3, 6)]).toEqual([252, 255, 164]) // inferno(1) = #fcffa4
    expect([...rgb.subarray(6, 9)]).toEqual([252, 255, 164])
    expect([...rgb.subarray(9, 12)]).toEqual([96, 96, 96])
    expect([...rgb.subarray(12, 15)]).toEqual([0, 0, 4])
  })

  it('gets brighter along the scale, and an all-zero field with max 0 stays at the start', () => {
    const rgb = colourMap(Float32Array.from({ length: 11 }, (_, i) => i / 10), 1)
    const luma = Array.from({ length: 11 }, (_, i) => rgb[i * 3] * 0.3 + rgb[i * 3 + 1] * 0.59 + rgb[i * 3 + 2] * 0.11)
    for (let i = 1; i < 11; i++) expect(luma[i]).toBeGreaterThan(luma[i - 1])
    expect([...colourMap([0, 0], 0)]).toEqual([0, 0, 4, 0, 0, 4])
  })
})
