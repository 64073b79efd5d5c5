import { describe, expect, it } from 'vitest'
import { Rng, permutation } from '../../../src/trainer/data/rng'

describe('Rng', () => {
  it('matches the xoshiro128** reference sequence for state [1, 2, 3, 4]', () => {
    // first outputs of the C reference (prng.di.unimi.it/xoshiro128starstar.c) from s = {1, 2, 3, 4}
    const rng = Rng.fromState([1, 2, 3, 4])
    expect(Array.from({ length: 6 }, () => rng.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492])
  })

  it('continues the same stream after state() / fromState()', () => {
    const a = Rng.fromSeed(42)
    for (let i = 0; i < 5; i++) a.nextU32()
    const b = Rng.fromState(a.state())
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(Array.from({ length: 8 }, () => a.nextU32()))
  })

  it('gives different streams for different keys, the same for equal ones', () => {
    const draw = (...k: number[]) => { const r = Rng.fromSeed(...k); return [r.nextU32(), r.nextU32()] }
    expect(draw(7, 1)).toEqual(draw(7, 1))
    expect(draw(7, 1)).not.toEqual(draw(7, 2))
    expect(draw(7, 2 ** 40)).not.toEqual(draw(7, 0)) // high word of a key counts
  })

  it('nextInt is in range and roughly uniform', () => {
    const rng = Rng.fromSeed(1)
    const counts = new Array(5).fill(0)
    for (let i = 0; i < 50_000; i++) counts[rng.nextInt(5)]++
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400)
    expect(() => rng.nextInt(0)).toThrow()
  })

  it('permutation holds every index once', () => {
    const p = permutation(100, Rng.fromSeed(3))
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})
