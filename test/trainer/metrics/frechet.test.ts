import { describe, expect, it } from 'vitest'
import { FeatureStatsAccumulator, featureStats, frechetDistance } from '../../../src/trainer/metrics/frechet'
import { maxRelDiff, reference, referenceFeatures } from './reference-inputs'

function statsFor(name: string) {
  const c = reference.frechet[name]
  const x = referenceFeatures(21, c.n, c.d, 0.5, 1, 0.1, 1.0)
  const y = referenceFeatures(22, c.n, c.d, 0.3, 3, 0.05, 1.1)
  return { c, x, s1: featureStats(x, c.n, c.d), s2: featureStats(y, c.n, c.d) }
}

describe('featureStats vs numpy mean / cov(rowvar=False)', () => {
  it('matches on d = 64 and streams in uneven batches to the same result', () => {
    const { c, x, s1 } = statsFor('d64')
    expect(maxRelDiff(s1.mu, c.mu1)).toBeLessThan(1e-14)
    expect(maxRelDiff(s1.sigma.filter((_, i) => i % (c.d + 1) === 0), c.sigma1Diag)).toBeLessThan(1e-13)
    expect(maxRelDiff(s1.sigma.subarray(0, c.d), c.sigma1Row0)).toBeLessThan(1e-13)
    const acc = new FeatureStatsAccumulator(c.d)
    acc.add(x.subarray(0, 70 * c.d), 70)
    acc.add(x.subarray(70 * c.d), c.n - 70)
    expect(maxRelDiff(acc.result().sigma, s1.sigma)).toBeLessThan(1e-13)
  })

  it('reads float32 features (what the feature network emits) as their exact values', () => {
    const { c, x } = statsFor('d16')
    const x32 = Float32Array.from(x)
    const fromF32 = featureStats(x32, c.n, c.d)
    expect(maxRelDiff(fromF32.sigma, featureStats(Float64Array.from(x32), c.n, c.d).sigma)).toBe(0)
    expect(maxRelDiff(fromF32.mu, c.mu1)).toBeLessThan(1e-6)
  })

  it('keeps precision when features sit far from zero', () => {
    const d = 4
    const rows = Float64Array.from({ length: 8 * d }, (_, i) => 1e6 + (i % 3) + 0.5 * (i % d))
    const shifted = rows.map((v) => v - 1e6)
    expect(maxRelDiff(featureStats(rows, 8, d).sigma, featureStats(shifted, 8, d).sigma)).toBeLessThan(1e-9)
  })
})

describe('frechetDistance', () => {
  for (const name of ['d16', 'd64']) {
    it(`matches pytorch-fid with scipy.linalg.sqrtm on ${name}`, () => {
      const { c, s1, s2 } = statsFor(name)
      const fid = frechetDistance(s1, s2).value
      expect(Math.abs(fid - c.fidSqrtm) / c.fidSqrtm).toBeLessThan(1e-10)
    })
  }

  it('handles a singular covariance (n < d) without an offset, matching the eigh route', () => {
    const { c, s1, s2 } = statsFor('d64-singular')
    const fid = frechetDistance(s1, s2)
    expect(fid.epsOffset).toBe(0)
    expect(Math.abs(fid.value - c.fidEigh) / c.fidEigh).toBeLessThan(1e-10)
    expect(Math.abs(fid.value - c.fidSqrtm) / c.fidSqrtm).toBeLessThan(1e-6) // sqrtm loses digits on singular input
  })

  it('is zero between identical statistics, symmetric, and changes a little with an ε offset', () => {
    const { s1, s2 } = statsFor('d16')
    expect(Math.abs(frechetDistance(s1, s1).value)).toBeLessThan(1e-10)
    expect(frechetDistance(s1, s2).value).toBeCloseTo(frechetDistance(s2, s1).value, 10)
    const withEps = frechetDistance(s1, s2, 1e-6)
    expect(withEps.epsOffset).toBe(1e-6)
    expect(Math.abs(withEps.value - frechetDistance(s1, s2).value)).toBeLessThan(1e-4)
    expect(withEps.value).not.toBe(frechetDistance(s1, s2).value)
  })
})
