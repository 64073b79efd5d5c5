import { describe, expect, it } from 'vitest'
import { rowDots } from '../../../src/trainer/metrics/row-dots'
import { uniforms } from './reference-inputs'

function naive(a: Float64Array, m: number, b: Float64Array, n: number, len: number): Float64Array {
  const c = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < len; k++) c[i * n + j] += a[i * len + k] * b[j * len + k]
  return c
}

describe('rowDots', () => {
  it('matches the naive triple loop on blocked sizes and on ragged edges', () => {
    for (const [m, n, len] of [[8, 36, 5], [7, 38, 3], [1, 1, 4], [5, 2, 9]]) {
      const a = uniforms(m * 100 + n, m * len)
      const b = uniforms(n * 100 + m, n * len)
      const got = rowDots(a, m, b, n, len)
      const want = naive(a, m, b, n, len)
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12))
    }
  })

  it('rejects inputs that do not fit their shapes', () => {
    expect(() => rowDots(new Float64Array(6), 2, new Float64Array(6), 3, 3)).toThrow(/rowDots/)
  })
})
