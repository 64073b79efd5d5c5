import { describe, expect, it } from 'vitest'
import type { ImagesNHWC8 } from '../../../src/trainer/metrics/images'
import { psnr } from '../../../src/trainer/metrics/psnr'
import { reference, referenceImages } from './reference-inputs'

const { rec, gt } = referenceImages()

describe('psnr vs numpy (make_reference.py)', () => {
  for (const quantise of ['truncate', 'round', 'none'] as const) {
    it(`per-image and batch-pooled, quantise ${quantise}`, () => {
      const expected = reference.images.psnr[quantise]
      const perImage = psnr(rec, gt, { convention: 'per-image', quantise })
      const pooled = psnr(rec, gt, { convention: 'batch-pooled', quantise })
      expect(perImage.value).toBeCloseTo(expected['per-image'], 10)
      expect(pooled.value).toBeCloseTo(expected['batch-pooled'], 10)
      expect(pooled.batchSize).toBe(5)
      expect(perImage.batchSize).toBeNull()
    })
  }
})

describe('psnr conventions', () => {
  it('batch-pooled gives every image of a batch the same value, including the short last batch', () => {
    const { perImage } = psnr(rec, gt, { convention: 'batch-pooled', quantise: 'truncate' })
    expect(perImage.length).toBe(7)
    expect(new Set(perImage.slice(0, 5)).size).toBe(1)
    expect(new Set(perImage.slice(5)).size).toBe(1)
    expect(perImage[0]).not.toBe(perImage[5])
  })

  it('reads uint8 NHWC images to the same number as truncated [-1, 1] NCHW ones', () => {
    const [n, c, h, w] = gt.shape
    const toU8 = (x: Float32Array): ImagesNHWC8 => {
      const data = new Uint8Array(x.length)
      for (let i = 0; i < x.length; i++) {
        const [b, ch, p] = [Math.floor(i / (c * h * w)), Math.floor(i / (h * w)) % c, i % (h * w)]
        data[(b * h * w + p) * c + ch] = Math.floor(Math.fround(Math.fround(Math.fround(x[i] + 1) / 2) * 255))
      }
      return { layout: 'nhwc-u8', data, shape: [n, h, w, c] }
    }
    const fromU8 = psnr(toU8(rec.data), toU8(gt.data), { convention: 'per-image', quantise: 'none' })
    expect(fromU8.value).toBeCloseTo(psnr(rec, gt, { convention: 'per-image', quantise: 'truncate' }).value, 12)
  })

  it('is infinite for identical images and rejects mismatched shapes', () => {
    expect(psnr(gt, gt, { convention: 'per-image', quantise: 'none' }).value).toBe(Infinity)
    const small = { ...gt, data: gt.data.subarray(0, 3 * 3 * 24 * 24), shape: [3, 3, 24, 24] as const }
    expect(() => psnr(small, gt, { convention: 'per-image', quantise: 'none' })).toThrow(/differ in shape/)
  })
})
