// Wilson intervals (textbook values, simulated coverage) and the Bradley–Terry MM fit (closed form for two
// players; recovery of known strengths from simulated raters).
import { describe, expect, it } from 'vitest'
import { bradleyTerry, wilsonInterval } from '../../../src/trainer/rating/stats'

/** Seeded uniform [0, 1) (LCG, 32-bit). */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

describe('wilsonInterval', () => {
  it('matches textbook values', () => {
    const [lo, hi] = wilsonInterval(5, 10)
    expect(lo).toBeCloseTo(0.2366, 4)
    expect(hi).toBeCloseTo(0.7634, 4)
    const [lo0, hi0] = wilsonInterval(0, 10) // upper bound z²/(n + z²)
    expect(lo0).toBe(0)
    expect(hi0).toBeCloseTo(1.959964 ** 2 / (10 + 1.959964 ** 2), 10)
    expect(wilsonInterval(0, 0)).toEqual([0, 1])
    expect(() => wilsonInterval(11, 10)).toThrow(/must lie in 0..10/)
  })

  it('covers the true rate about 95 % of the time', () => {
    const next = rng(42)
    let covered = 0
    const runs = 2000
    for (let k = 0; k < runs; k++) {
      const p = 0.1 + 0.8 * next()
      let s = 0
      for (let i = 0; i < 60; i++) if (next() < p) s++
      const [lo, hi] = wilsonInterval(s, 60)
      if (lo <= p && p <= hi) covered++
    }
    expect(covered / runs).toBeGreaterThan(0.93)
    expect(covered / runs).toBeLessThan(0.975)
  })
})

describe('bradleyTerry', () => {
  it('two players: the MLE strength ratio is the win ratio', () => {
    const fit = bradleyTerry([[0, 30], [10, 0]], { pseudoWins: 0 })
    expect(fit.converged).toBe(true)
    expect(fit.strengths[0] / fit.strengths[1]).toBeCloseTo(3, 8)
    expect(fit.strengths[0] + fit.strengths[1]).toBeCloseTo(1, 12)
    expect(fit.scores[0] + fit.scores[1]).toBeCloseTo(0, 12)
    expect(fit.logLikelihood).toBeCloseTo(30 * Math.log(0.75) + 10 * Math.log(0.25), 8)
  })

  it('recovers the order and ratios of known strengths from simulated raters', () => {
    const truth = [0.5, 4, 1, 2] // method 1 strongest
    const next = rng(7)
    const wins = truth.map(() => truth.map(() => 0))
    for (let t = 0; t < 6000; t++) {
      const i = Math.floor(next() * 4)
      const j = (i + 1 + Math.floor(next() * 3)) % 4
      if (next() < truth[i] / (truth[i] + truth[j])) wins[i][j]++
      else wins[j][i]++
    }
    const fit = bradleyTerry(wins)
    const order = [0, 1, 2, 3].sort((a, b) => fit.scores[b] - fit.scores[a])
    expect(order).toEqual([1, 3, 2, 0])
    const total = truth.reduce((a, b) => a + b, 0)
    truth.forEach((p, i) => expect(Math.abs(fit.strengths[i] / (p / total) - 1)).toBeLessThan(0.15))
  })

  it('stays finite when a method never wins (pseudo-wins) and says how many it added', () => {
    const fit = bradleyTerry([[0, 20, 5], [0, 0, 3], [5, 3, 0]])
    expect(fit.pseudoWins).toBe(0.1)
    expect(fit.strengths.every((p) => p > 0 && Number.isFinite(p))).toBe(true)
    expect(fit.scores[1]).toBeLessThan(fit.scores[2])
    expect(fit.scores[2]).toBeLessThan(fit.scores[0])
  })
})
