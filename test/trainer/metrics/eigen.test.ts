import { describe, expect, it } from 'vitest'
import { symmetricEigen } from '../../../src/trainer/metrics/eigen'
import { featureStats } from '../../../src/trainer/metrics/frechet'
import { maxRelDiff, reference, referenceFeatures } from './reference-inputs'

/** max over k of |A v_k − λ_k v_k|. */
function residual(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): number {
  let worst = 0
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[k * n + j]
      worst = Math.max(worst, Math.abs(s - values[k] * vectors[k * n + i]))
    }
  }
  return worst
}

describe('symmetricEigen', () => {
  it('matches numpy.linalg.eigvalsh on a 64×64 covariance, with orthonormal eigenvectors', () => {
    const c = reference.frechet.d64
    const { sigma } = featureStats(referenceFeatures(21, c.n, c.d, 0.5, 1, 0.1, 1.0), c.n, c.d)
    const { values, vectors } = symmetricEigen(sigma, c.d)
    expect(maxRelDiff(values, c.eigenvalues1)).toBeLessThan(1e-12)
    expect(residual(sigma, c.d, values, vectors as Float64Array)).toBeLessThan(1e-13)
    let dot01 = 0
    let norm5 = 0
    for (let i = 0; i < c.d; i++) {
      dot01 += vectors![i] * vectors![c.d + i]
      norm5 += vectors![5 * c.d + i] ** 2
    }
    expect(Math.abs(dot01)).toBeLessThan(1e-13)
    expect(norm5).toBeCloseTo(1, 13)
  })

  it('gives the same values without eigenvectors, ascending', () => {
    const c = reference.frechet['d64-singular']
    const { sigma } = featureStats(referenceFeatures(21, c.n, c.d, 0.5, 1, 0.1, 1.0), c.n, c.d)
    const { values, vectors } = symmetricEigen(sigma, c.d, { vectors: false })
    expect(vectors).toBeNull()
    expect(maxRelDiff(values, c.eigenvalues1)).toBeLessThan(1e-12)
    expect(values.every((v, i) => i === 0 || values[i - 1] <= v)).toBe(true)
  })

  it('handles diagonal, repeated and 1×1 matrices, and rejects NaN', () => {
    const diag = Float64Array.from([3, 0, 0, 0, 1, 0, 0, 0, 1])
    expect([...symmetricEigen(diag, 3).values]).toEqual([1, 1, 3])
    expect([...symmetricEigen(Float64Array.from([-2]), 1).values]).toEqual([-2])
    expect(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).toThrow(/non-finite/)
  })
})
