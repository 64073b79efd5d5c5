import { describe, expect, it } from 'vitest'
import { augmentedCrop, mirror } from '../../../src/trainer/data/augment'
import type { RgbImage } from '../../../src/trainer/data/images'
import { Rng } from '../../../src/trainer/data/rng'

/** h×w image whose red value is the column and green the row: a crop's pixels say where they came from. */
function coordinates(h: number, w: number): RgbImage {
  const rgb = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([x, y, 0], (y * w + x) * 3)
  return { rgb, h, w }
}
const at = (img: RgbImage, y: number, x: number, c: number) => img.rgb[(y * img.w + x) * 3 + c]

describe('augmentedCrop', () => {
  it('takes windows of ½–1 of the shorter side, anywhere, resized to S, mirrored about half of the time', () => {
    const img = coordinates(200, 256)
    const S = 64
    let flipped = 0
    const sides: number[] = []
    for (let i = 0; i < 400; i++) {
      const out = augmentedCrop(img, S, Rng.fromSeed(7, 2, i), { minScale: 0.5, flip: true })
      expect([out.h, out.w]).toEqual([S, S])
      const first = at(out, 0, 0, 0)
      const last = at(out, 0, S - 1, 0)
      const mirrored = last < first
      if (mirrored) flipped++
      // output pixels sit at the centres of S equal parts of the window: their columns span side·(S − 1)/S
      const side = (Math.abs(last - first) * S) / (S - 1)
      sides.push(side)
      expect(side).toBeGreaterThanOrEqual(100 - 2)
      expect(side).toBeLessThanOrEqual(200 + 2)
      // rows: the same span vertically, never mirrored
      expect(at(out, S - 1, 0, 1)).toBeGreaterThan(at(out, 0, 0, 1))
      expect(Math.abs(at(out, S - 1, 0, 1) - at(out, 0, 0, 1) - Math.abs(last - first))).toBeLessThanOrEqual(2)
    }
    expect(flipped / 400).toBeGreaterThan(0.4)
    expect(flipped / 400).toBeLessThan(0.6)
    expect(Math.min(...sides)).toBeLessThan(115) // the whole range is used
    expect(Math.max(...sides)).toBeGreaterThan(185)
  })

  it('never upsamples: a shorter side equal to S gives an exact S×S window of the input', () => {
    const img = coordinates(64, 90)
    for (let i = 0; i < 20; i++) {
      const out = augmentedCrop(img, 64, Rng.fromSeed(1, 2, i), { minScale: 0.5, flip: false })
      const left = at(out, 0, 0, 0)
      for (let y = 0; y < 64; y += 9) for (let x = 0; x < 64; x += 7) {
        expect([at(out, y, x, 0), at(out, y, x, 1)]).toEqual([left + x, y])
      }
    }
  })

  it('is a pure function of the rng state', () => {
    const img = coordinates(120, 160)
    const a = augmentedCrop(img, 32, Rng.fromSeed(3, 2, 5), { minScale: 0.5, flip: true })
    const b = augmentedCrop(img, 32, Rng.fromSeed(3, 2, 5), { minScale: 0.5, flip: true })
    expect(b.rgb).toEqual(a.rgb)
  })

  it('refuses an image smaller than S', () => {
    expect(() => augmentedCrop(coordinates(30, 80), 32, Rng.fromSeed(0, 2, 0), { minScale: 0.5, flip: true })).toThrow(/cannot crop 32px/)
  })
})

describe('mirror', () => {
  it('swaps columns x and w − 1 − x and keeps rows', () => {
    const img = coordinates(5, 7)
    const m = mirror(img)
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) expect([at(m, y, x, 0), at(m, y, x, 1)]).toEqual([6 - x, y])
    expect(mirror(m).rgb).toEqual(img.rgb)
  })
})
