// Generation metrics against the ADM evaluator's formulas computed in numpy/scipy (fixtures/metrics/make_gen_reference.py):
// FID, IS over splits, k = 3 manifold precision/recall; and the invariants: FID(X, X) ≈ 0 and symmetric, P = R = 1 on
// identical sets, IS of constant predictions = 1, IS of uniform-over-classes one-hot predictions = the class count.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { featureStats, frechetDistance } from '../../../src/trainer/metrics/frechet'
import { inceptionScore } from '../../../src/trainer/metrics/inception-score'
import { manifoldRadii, precisionRecall } from '../../../src/trainer/metrics/precision-recall'
import { generationMetrics } from '../../../src/trainer/stage2/gen-eval'

const ref = JSON.parse(readFileSync('test/fixtures/metrics/gen-reference.json', 'utf8')) as {
  real: number[][]; fake: number[][]; probs: number[][]; radii_real: number[]
  fid: number; is_one_split: number; is_splits_of_10: number; precision: number; recall: number
}
const flat = (rows: number[][]) => Float64Array.from(rows.flat())
const [real, fake, probs] = [flat(ref.real), flat(ref.fake), flat(ref.probs)]
const fid = (a: Float64Array, na: number, b: Float64Array, nb: number) => frechetDistance(featureStats(a, na, 6), featureStats(b, nb, 6)).value

describe('FID (ADM formula)', () => {
  it('equals scipy sqrtm FID, is symmetric, and ≈ 0 on identical sets', () => {
    expect(fid(fake, 30, real, 40)).toBeCloseTo(ref.fid, 9)
    expect(fid(real, 40, fake, 30)).toBeCloseTo(ref.fid, 9)
    expect(Math.abs(fid(real, 40, real, 40))).toBeLessThan(1e-9)
  })
})

describe('inceptionScore', () => {
  it('equals the ADM split computation', () => {
    expect(inceptionScore(probs, 30, 5).value).toBeCloseTo(ref.is_one_split, 9)
    const tens = inceptionScore(probs, 30, 5, 10)
    expect(tens.splits).toHaveLength(3)
    expect(tens.value).toBeCloseTo(ref.is_splits_of_10, 9)
  })

  it('is 1 for constant predictions and the class count for balanced one-hot ones', () => {
    const constant = Float64Array.from({ length: 20 * 4 }, (_, i) => [0.1, 0.2, 0.3, 0.4][i % 4])
    expect(inceptionScore(constant, 20, 4).value).toBeCloseTo(1, 12)
    const oneHot = Float64Array.from({ length: 8 * 4 }, (_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0))
    expect(inceptionScore(oneHot, 8, 4).value).toBeCloseTo(4, 12)
  })

})

describe('precisionRecall (k = 3)', () => {
  it('equals the numpy ManifoldEstimator', () => {
    expect(Array.from(manifoldRadii(real, 40, 6, 3))).toEqual(ref.radii_real.map((v) => expect.closeTo(v, 9)))
    const pr = precisionRecall(real, 40, fake, 30, 6)
    expect(pr.precision).toBeCloseTo(ref.precision, 12)
    expect(pr.recall).toBeCloseTo(ref.recall, 12)
  })

  it('is 1 and 1 on identical sets, and refuses sets of ≤ k points', () => {
    expect(precisionRecall(real, 40, real, 40, 6)).toEqual({ precision: 1, recall: 1, k: 3 })
    expect(() => precisionRecall(real.subarray(0, 18), 3, real, 40, 6)).toThrow(/more than 3 images/)
  })
})

describe('generationMetrics', () => {
  it('names every network metric -proxy on the proxy network and keeps the ADM numbers', () => {
    const rows = (x: Float64Array, n: number) => ({ pool: Float32Array.from(x), spatial: Float32Array.from(x), probs: Float32Array.from(probs.subarray(0, n * 5)) })
    const same = generationMetrics(rows(fake, 30), 30, rows(fake, 30), 30, { poolDim: 6, spatialDim: 6, classes: 5, isProxy: true })
    expect(Object.keys(same.metrics).sort()).toEqual(['FID-proxy', 'IS-proxy', 'KID-proxy', 'precision', 'recall', 'sFID-proxy'])
    expect(Math.abs(same.metrics['FID-proxy'])).toBeLessThan(1e-9)
    expect([same.metrics.precision, same.metrics.recall]).toEqual([1, 1])
    const real6 = generationMetrics(rows(real, 30), 40, rows(fake, 30), 30, { poolDim: 6, spatialDim: 6, classes: 5, isProxy: false })
    expect(real6.metrics.FID).toBeCloseTo(ref.fid, 6)
    expect(real6.metrics.IS).toBeCloseTo(ref.is_one_split, 6)
  })
})

describe('ADM sample file', () => {
  it('encodes uint8 arrays as |u1 npy (what the evaluator reads as arr_0)', async () => {
    const { encodeNpy } = await import('../../../src/trainer/metrics/npz')
    const bytes = encodeNpy({ data: Uint8Array.from([0, 7, 255, 1, 2, 3]), shape: [1, 1, 2, 3] })
    const headerLength = bytes[8] + 256 * bytes[9]
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength))).toMatch(/^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(1, 1, 2, 3\), \} *\n$/)
    expect((10 + headerLength) % 64).toBe(0)
    expect(Array.from(bytes.subarray(10 + headerLength))).toEqual([0, 7, 255, 1, 2, 3])
  })
})
