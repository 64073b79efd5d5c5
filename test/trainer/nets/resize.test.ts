// nets/resize.ts: torch bilinear (align_corners=False) with and without antialias, against make_reference.py.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { bilinearMatrix, resizeBilinear } from '../../../src/trainer/nets/resize'
import { fixtureImages, netsReference as ref } from '../../fixtures/nets/fixture-weights'
import { maxAbsDiff, useBackend } from './backends'

beforeAll(() => useBackend('cpu'))

describe('resizeBilinear', () => {
  const input = () => tf.tensor4d(fixtureImages(ref.resize.seed, ref.resize.shape, 0, 1), ref.resize.shape as [number, number, number, number])

  it('upsampling 9×7 → 13×13 without antialias equals the reference', () => {
    expect(maxAbsDiff(resizeBilinear(input(), 13, 13, false).dataSync(), ref.resize.plain_13)).toBeLessThan(1e-6)
  })

  it('downsampling 9×7 → 4×4 with antialias equals the reference and differs from the plain resize', () => {
    const aa = resizeBilinear(input(), 4, 4, true).dataSync()
    expect(maxAbsDiff(aa, ref.resize.antialias_4)).toBeLessThan(1e-6)
    expect(maxAbsDiff(aa, resizeBilinear(input(), 4, 4, false).dataSync())).toBeGreaterThan(1e-3)
  })

  it('every interpolation row sums to 1', () => {
    for (const [n, m, aa] of [[256, 224, true], [256, 299, false], [7, 3, true], [3, 7, true]] as const) {
      const w = bilinearMatrix(n, m, aa)
      for (let o = 0; o < m; o++) expect(w.subarray(o * n, (o + 1) * n).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    }
  })
})
