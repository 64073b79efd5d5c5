import { describe, expect, it } from 'vitest'
import { ssim, ssimChannel, ssimWindow } from '../../../src/trainer/metrics/ssim'
import { reference, referenceImages } from './reference-inputs'

const { rec, gt } = referenceImages()

describe('ssim vs numpy replica of skimage structural_similarity (make_reference.py)', () => {
  for (const quantise of ['truncate', 'round', 'none'] as const) {
    it(`gaussian-11, skimage-default-7x7 and signed range, quantise ${quantise}`, () => {
      const expected = reference.images.ssim[quantise]
      expect(ssim(rec, gt, { variant: 'gaussian-11', quantise }).value).toBeCloseTo(expected['gaussian-11'], 10)
      expect(ssim(rec, gt, { variant: 'skimage-default-7x7', quantise }).value).toBeCloseTo(expected['skimage-default-7x7'], 10)
      const signed = ssim(rec, gt, { variant: 'gaussian-11', quantise, range: 'signed' })
      expect(signed.value).toBeCloseTo(expected['gaussian-11-signed'], 10)
      expect(signed.dataRange).toBe(2)
    })
  }
})

describe('ssim windows and limits', () => {
  it('gaussian window has 11 taps summing to 1, peaked in the middle; the 7×7 one uses sample covariance', () => {
    const g = ssimWindow('gaussian-11')
    expect(g.weights.length).toBe(11)
    expect(g.weights.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 14)
    expect(Math.max(...g.weights)).toBe(g.weights[5])
    expect(ssimWindow('skimage-default-7x7').covNorm).toBeCloseTo(49 / 48, 14)
  })

  it('is 1 for identical images and below 1 otherwise', () => {
    expect(ssim(gt, gt, { variant: 'gaussian-11', quantise: 'none' }).value).toBeCloseTo(1, 12)
    expect(ssim(rec, gt, { variant: 'gaussian-11', quantise: 'none' }).value).toBeLessThan(0.99)
  })

  it('rejects images smaller than the window', () => {
    const x = new Float64Array(36)
    expect(() => ssimChannel(x, x, 6, 6, ssimWindow('skimage-default-7x7'), 1)).toThrow(/larger than the image/)
  })
})
