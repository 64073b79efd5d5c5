// Token colours (distinct for neighbours, valid RGB), the owner map drawn with them, and the token-set text.
import { describe, expect, it } from 'vitest'
import { ownerPixels, parseTokenSet, tokenColour } from '../../../../../src/renderer/src/components/inspect/token-colours'

describe('tokenColour / ownerPixels', () => {
  it('gives 256 tokens valid, pairwise distinct colours; neighbours far apart', () => {
    const colours = Array.from({ length: 256 }, (_, t) => tokenColour(t))
    for (const c of colours) for (const v of c) expect(v >= 0 && v <= 255 && Number.isInteger(v)).toBe(true)
    expect(new Set(colours.map((c) => c.join())).size).toBe(256)
    for (let t = 0; t < 63; t++) {
      const [a, b] = [colours[t], colours[t + 1]]
      expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeGreaterThan(60)
    }
  })
  it('paints each pixel in its owner colour', () => {
    const img = ownerPixels(Int32Array.from([0, 3, 3, 1]), 2)
    expect([img.h, img.w]).toEqual([2, 2])
    expect(Array.from(img.pixels.subarray(3, 6))).toEqual(tokenColour(3))
    expect(Array.from(img.pixels.subarray(9, 12))).toEqual(tokenColour(1))
  })
})

describe('parseTokenSet', () => {
  it('reads single tokens and ranges, sorted and distinct', () => {
    expect(parseTokenSet('0-3, 12, 2', 16)).toEqual([0, 1, 2, 3, 12])
    expect(parseTokenSet(' ', 16)).toEqual([])
  })
  it('names the part that is not a token of the model', () => {
    expect(() => parseTokenSet('0-3, 16', 16)).toThrow('"16" is not a token or range of tokens 0–15')
    expect(() => parseTokenSet('a', 16)).toThrow('"a" is not')
    expect(() => parseTokenSet('5-2', 16)).toThrow('"5-2" is not')
  })
})
