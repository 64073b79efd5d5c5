// Per-pixel statistics in [0, 1] units: |a − b| and std over samples, averaged over channels.
import { describe, expect, it } from 'vitest'
import { absDiffMap, sampleStats } from '../../../src/trainer/inspect/pixel-stats'

describe('pixel statistics', () => {
  it('|a − b| per pixel in [0, 1] units, averaged over channels, clipped inputs', () => {
    const a = Float32Array.from([1, -1, 1, -1, 0, 0]) // 2 pixels × 3 channels, CHW
    const b = Float32Array.from([-1, -1, 3, -1, 0, 0.6])
    const diff = absDiffMap(a, b, 2)
    expect(diff[0]).toBeCloseTo(1 / 3, 6) // channel 0 differs by 2 of a range of 2
    expect(diff[1]).toBeCloseTo(0.6 / 6, 6) // channel 2 differs by 0.6
  })

  it('std over samples: zero for identical ones, 0.5 for ±1 pixels', () => {
    const x = Float32Array.from([0.2, 0.4, 0.6])
    expect([...sampleStats([x, x], 1).std]).toEqual([0])
    const { mean, std } = sampleStats([new Float32Array(3).fill(1), new Float32Array(3).fill(-1)], 1)
    expect([...mean]).toEqual([0, 0, 0])
    expect(std[0]).toBeCloseTo(0.5, 6)
  })
})
