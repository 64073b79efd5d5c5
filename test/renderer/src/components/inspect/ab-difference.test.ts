// A − B of two reconstructions: |A − B| per pixel averaged over RGB in 0–1 units, its mean and max; none across sizes.
import { describe, expect, it } from 'vitest'
import { abDifference } from '../../../../../src/renderer/src/components/inspect/ab-difference'

const image = (values: number[], h: number, w: number) => ({ pixels: Uint8Array.from(values), h, w })

describe('abDifference', () => {
  it('is the per-pixel mean |A − B| over RGB in 0–1 units, with its mean and max', () => {
    const a = image([0, 0, 0, 255, 255, 255], 1, 2)
    const b = image([30, 60, 90, 255, 255, 0], 1, 2)
    const d = abDifference(a, b)!
    expect(Array.from(d.field)).toEqual([Math.fround(180 / 765), Math.fround(255 / 765)])
    expect(d.max).toBeCloseTo(1 / 3, 6)
    expect(d.mean).toBeCloseTo((180 + 255) / 765 / 2, 6)
    expect([d.map.h, d.map.w, d.map.pixels.length]).toEqual([1, 2, 6])
  })
  it('is zero for identical images and null across sizes', () => {
    const a = image([1, 2, 3, 4, 5, 6], 1, 2)
    expect(abDifference(a, a)!.max).toBe(0)
    expect(abDifference(a, image([1, 2, 3, 4, 5, 6], 2, 1))).toBeNull()
  })
})
