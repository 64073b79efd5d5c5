// Kernel Inception Distance: unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random
// subsets (torch-fidelity kid_features_to_metric / clean-fid kernel_distance: 100 subsets of 1000, std with ddof 0).
import { rowDots } from './row-dots'

export interface KidOptions {
  readonly subsets?: number // default 100
  readonly subsetSize?: number // default 1000, capped at the smaller feature set (as clean-fid)
  readonly seed?: number // default 0; subsets are drawn with mulberry32
}

export interface KidResult {
  readonly mean: number
  readonly std: number // population std over subsets (numpy default, as torch-fidelity)
  readonly values: Float64Array // MMD² per subset
  readonly subsets: number
  readonly subsetSize: number
  readonly seed: number
}

/** A pair of row-index lists of equal length m: rows of the first and of the second feature set. */
export interface KidSubset {
  readonly x: Int32Array
  readonly y: Int32Array
}

type Features = Float32Array | Float64Array // [n, d] row-major

/** Seeded uniform [0, 1) generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** k distinct indices from [0, n) by a partial Fisher–Yates shuffle. */
export function sampleWithoutReplacement(n: number, k: number, rand: () => number): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  return pool.slice(0, k)
}

function gatherRows(features: Features, rows: Int32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length * d)
  rows.forEach((r, i) => out.set(features.subarray(r * d, (r + 1) * d), i * d))
  return out
}

/** Σ k(a_i, b_j) over all i, j, or over i ≠ j when a and b are the same rows. */
function kernelSum(a: Float64Array, b: Float64Array, m: number, d: number, offDiagonal: boolean): number {
  const dots = rowDots(a, m, b, m, d)
  let total = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) if (!offDiagonal || i !== j) total += (dots[i * m + j] / d + 1) ** 3
  }
  return total
}

/** Unbiased MMD² between two equal-size samples of rows [m, d]. */
export function polynomialMmd2(x: Float64Array, y: Float64Array, m: number, d: number): number {
  const xx = kernelSum(x, x, m, d, true)
  const yy = kernelSum(y, y, m, d, true)
  const xy = kernelSum(x, y, m, d, false)
  return (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m)
}

/** KID over given subsets (for tests and for reproducing another tool's draws). */
export function kidFromSubsets(fx: Features, fy: Features, d: number, subsets: readonly KidSubset[]): Pick<KidResult, 'mean' | 'std' | 'values'> {
  const values = new Float64Array(subsets.length)
  subsets.forEach((s, i) => {
    if (s.x.length !== s.y.length || s.x.length < 2) throw new Error(`KID subset ${i} has sizes ${s.x.length} and ${s.y.length}`)
    values[i] = polynomialMmd2(gatherRows(fx, s.x, d), gatherRows(fy, s.y, d), s.x.length, d)
  })
  const mean = values.reduce((a, v) => a + v, 0) / values.length
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
  return { mean, std, values }
}

export function kernelInceptionDistance(fx: Features, fy: Features, d: number, options: KidOptions = {}): KidResult {
  if (fx.length % d !== 0 || fy.length % d !== 0) throw new Error(`feature lengths ${fx.length}, ${fy.length} are not multiples of d = ${d}`)
  const [nx, ny] = [fx.length / d, fy.length / d]
  const subsetSize = Math.min(options.subsetSize ?? 1000, nx, ny)
  const count = options.subsets ?? 100
  const seed = options.seed ?? 0
  const rand = mulberry32(seed)
  const subsets = Array.from({ length: count }, () => ({
    x: sampleWithoutReplacement(nx, subsetSize, rand),
    y: sampleWithoutReplacement(ny, subsetSize, rand),
  }))
  return { ...kidFromSubsets(fx, fy, d, subsets), subsets: count, subsetSize, seed }
}
