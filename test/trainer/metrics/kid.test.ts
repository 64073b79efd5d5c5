import { describe, expect, it } from 'vitest'
import { permutation, Rng } from '../../../src/trainer/data/rng'
import { kernelInceptionDistance, kidFromSubsets } from '../../../src/trainer/metrics/kid'
import { maxRelDiff, reference, referenceFeatures } from './reference-inputs'

const k = reference.kid
const fx = referenceFeatures(31, k.n, k.d, 0.5, 1, 0.1, 1.0)
const fy = referenceFeatures(32, k.n, k.d, 0.3, 3, 0.5, 1.3)

describe('KID vs numpy (torch-fidelity unbiased mmd2, fixed subsets)', () => {
  const subsets = k.subsets.map((s) => ({ x: Int32Array.from(s.x), y: Int32Array.from(s.y) }))
  for (const [path, maxCachedRows] of [['full kernel matrices computed once', 2048], ['kernels computed per subset', 0]] as const) {
    it(`matches per-subset MMD², mean and std (${path})`, () => {
      const out = kidFromSubsets(fx, fy, k.d, subsets, maxCachedRows)
      expect(maxRelDiff(out.values, k.values)).toBeLessThan(1e-12)
      expect(out.mean).toBeCloseTo(k.mean, 12)
      expect(out.std).toBeCloseTo(k.std, 12)
    })
  }
})

describe('kernelInceptionDistance', () => {
  it('draws seeded subsets: same seed, same result; other seed, other result', () => {
    const a = kernelInceptionDistance(fx, fy, k.d, { subsets: 5, subsetSize: 20, seed: 3 })
    const b = kernelInceptionDistance(fx, fy, k.d, { subsets: 5, subsetSize: 20, seed: 3 })
    const c = kernelInceptionDistance(fx, fy, k.d, { subsets: 5, subsetSize: 20, seed: 4 })
    expect([...a.values]).toEqual([...b.values])
    expect(a.mean).not.toBe(c.mean)
    expect(a.mean).toBeGreaterThan(0.5) // the two sets differ clearly (subset MMD² in the fixture is ~1)
  })

  it('caps the subset size at the smaller set and is near zero for one set against itself', () => {
    const same = kernelInceptionDistance(fx, fx, k.d, { subsets: 10, seed: 1 })
    expect(same.subsetSize).toBe(k.n)
    expect(same.subsets).toBe(10)
    expect(Math.abs(same.mean)).toBeLessThan(0.05)
  })

  it('draws each subset as the first subsetSize entries of a seeded permutation (the documented, reproducible protocol)', () => {
    const rng = Rng.fromSeed(7)
    const subsets = [0, 1, 2].map(() => ({ x: permutation(k.n, rng).slice(0, 10), y: permutation(k.n, rng).slice(0, 10) }))
    const drawn = kernelInceptionDistance(fx, fy, k.d, { subsets: 3, subsetSize: 10, seed: 7 })
    expect([...drawn.values]).toEqual([...kidFromSubsets(fx, fy, k.d, subsets).values])
  })
})
