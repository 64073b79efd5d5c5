import { describe, expect, it } from 'vitest'
import { meanColour } from '../../../src/trainer/train/validation'

describe('validation baseline', () => {
  it("fills each image with its own mean colour, channel by channel", () => {
    const n = 2
    const S = 3
    const x = new Float32Array(n * 3 * S * S).map((_, i) => 0.3 * Math.sin(i * 0.7) + (i < 3 * S * S ? -0.5 : 0.4)) // [n, 3, S, S]
    const out = meanColour(x, n, S)
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const plane = x.subarray((i * 3 + c) * S * S, (i * 3 + c + 1) * S * S)
        const mean = plane.reduce((a, v) => a + v, 0) / plane.length
        for (const v of out.subarray((i * 3 + c) * S * S, (i * 3 + c + 1) * S * S)) expect(v).toBeCloseTo(mean, 6)
      }
    }
    expect(out[0]).not.toBeCloseTo(out[3 * S * S], 3) // the two images differ
  })
})
