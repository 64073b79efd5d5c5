import { describe, expect, it } from 'vitest'
import { gaussianNoise, initialNoise } from '../../../src/trainer/sample/noise'
import { Rng } from '../../../src/trainer/data/rng'

describe('seeded noise', () => {
  it('is reproducible per (seed, image) and differs across seeds and images', () => {
    expect(initialNoise(7, 3, 8)).toEqual(initialNoise(7, 3, 8))
    expect(initialNoise(7, 3, 8)).not.toEqual(initialNoise(8, 3, 8))
    expect(initialNoise(7, 3, 8)).not.toEqual(initialNoise(7, 4, 8))
  })
  it('is standard normal', () => {
    const x = gaussianNoise(200_001, Rng.fromSeed(1))
    const mean = x.reduce((a, b) => a + b, 0) / x.length
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(Math.abs(variance - 1)).toBeLessThan(0.02)
    expect(x.every(Number.isFinite)).toBe(true)
  })
})
