// metrics/frechet-rows.ts: the Fréchet distance from feature rows equals frechet.ts's d×d computation
// for few and for many rows, is 0 between a set and itself, and grows with the distance between the sets.
import { describe, expect, it } from 'vitest'
import { frechetFromRows, setFrechetDistance } from '../../../src/trainer/metrics/frechet-rows'
import { featureStats, frechetDistance } from '../../../src/trainer/metrics/frechet'
import { fixtureImages } from '../../fixtures/nets/fixture-weights'

const rows = (seed: number, n: number, d: number, spread = 1): Float32Array => fixtureImages(seed, [n, d], -spread, spread)
const viaCovariances = (fx: Float32Array, nx: number, fy: Float32Array, ny: number, d: number) =>
  frechetDistance(featureStats(fx, nx, d), featureStats(fy, ny, d))

describe('frechetFromRows', () => {
  for (const [nx, ny, d] of [[5, 7, 24], [6, 6, 64], [40, 30, 8]]) {
    it(`equals the covariance computation for ${nx} and ${ny} rows of width ${d}`, () => {
      const [fx, fy] = [rows(nx * d, nx, d), rows(ny * d + 1, ny, d, 1.5)]
      const want = viaCovariances(fx, nx, fy, ny, d)
      const got = frechetFromRows(fx, nx, fy, ny, d)
      expect(got.value).toBeGreaterThan(0.1)
      expect(Math.abs(got.value - want.value) / want.value).toBeLessThan(1e-9)
      expect(got.meanTerm).toBeCloseTo(want.meanTerm, 10)
      expect(Math.abs(got.traceSqrt - want.traceSqrt) / want.traceSqrt).toBeLessThan(1e-9)
    })
  }

  it('is 0 between a set and itself and grows as the second set moves away', () => {
    const d = 512
    const fx = rows(3, 8, d)
    expect(Math.abs(setFrechetDistance(fx, fx, 8, d).value)).toBeLessThan(1e-9)
    const noise = rows(4, 8, d)
    const moved = (a: number) => fx.map((v, i) => v + a * noise[i])
    const fids = [0.1, 0.3, 1].map((a) => setFrechetDistance(fx, moved(a), 8, d).value)
    expect(fids[0]).toBeGreaterThan(0)
    expect(fids[1]).toBeGreaterThan(fids[0])
    expect(fids[2]).toBeGreaterThan(fids[1])
  })

  it('needs two rows on each side', () => {
    expect(() => frechetFromRows(rows(1, 1, 4), 1, rows(2, 3, 4), 3, 4)).toThrow(/at least 2 rows/)
  })
})
