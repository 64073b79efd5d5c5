// A − B of two reconstructions: |A − B| per pixel averaged over RGB in 0–1 units, its mean and max; none across sizes.
import { describe, expect, it } from 'vitest'
import { abDifference, fieldDifference, sharedScale } from '../../../../../src/renderer/src/components/inspect/ab-difference'

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

describe('fieldDifference / sharedScale', () => {
  it('is |a − b| of two fields; null across sizes', () => {
    const d = fieldDifference(Float32Array.from([0.1, 0.5]), Float32Array.from([0.3, 0.2]), 1, 2)!
    expect(Array.from(d.field).map((v) => +v.toFixed(6))).toEqual([0.2, 0.3])
    expect(d.mean).toBeCloseTo(0.25, 6)
    expect(fieldDifference(new Float32Array(2), new Float32Array(4), 1, 2)).toBeNull()
  })
  it('colours two fields over the larger max: the same value gets the same colour in both', () => {
    const s = sharedScale(Float32Array.from([0.2, 0, 0, 0]), Float32Array.from([0.4, 0.2, 0, 0]), { a: 2, b: 2 })
    expect(s.max).toBeCloseTo(0.4, 6)
    expect(Array.from(s.a.pixels.subarray(0, 3))).toEqual(Array.from(s.b.pixels.subarray(3, 6)))
    expect(Array.from(s.b.pixels.subarray(0, 3))).not.toEqual(Array.from(s.a.pixels.subarray(0, 3)))
  })
})
