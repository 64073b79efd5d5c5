// Kernel Inception Distance: unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random
// subsets (torch-fidelity kid_features_to_metric / clean-fid kernel_distance: 100 subsets of 1000, std with ddof 0).
import { permutation, Rng } from '../data/rng'
import { rowDots } from './row-dots'

export interface KidOptions {
  readonly subsets?: number // default 100
  readonly subsetSize?: number // default 1000, capped at the smaller feature set (as clean-fid)
  readonly seed?: number // default 0; subsets are the first subsetSize entries of seeded permutations (data/rng)
}

export interface KidResult {
  readonly mean: number
  readonly std: number // population std over subsets (numpy default, as torch-fidelity)
  readonly values: Float64Array // MMD² per subset
  readonly subsets: number
  readonly subsetSize: number
  readonly seed: number
}

/** A pair of row-index lists of equal length m (indices distinct within a list): rows of the first and of the second feature set. */
export interface KidSubset {
  readonly x: Int32Array
  readonly y: Int32Array
}

type Features = Float32Array | Float64Array // [n, d] row-major

function gatherRows(features: Features, rows: Int32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length * d)
  rows.forEach((r, i) => out.set(features.subarray(r * d, (r + 1) * d), i * d))
  return out
}

/** k(a_i, b_j) = (a_i·b_j / d + 1)³ for all row pairs: [ma, mb]. */
function kernelMatrix(a: Float64Array, ma: number, b: Float64Array, mb: number, d: number): Float64Array {
  return rowDots(a, ma, b, mb, d).map((dot) => (dot / d + 1) ** 3)
}

/** Σ full[r, c] over r in rows, c in cols (r ≠ c when skipSame): sorted indices keep the reads in order. */
function sumPicked(full: Float64Array, width: number, rows: Int32Array, cols: Int32Array, skipSame: boolean): number {
  let total = 0
  for (const r of rows) {
    const base = r * width
    for (const c of cols) if (!skipSame || r !== c) total += full[base + c]
  }
  return total
}

/** [Σ_{i≠j} k(x_i, x_j), Σ_{i≠j} k(y_i, y_j), Σ k(x_i, y_j)] for one subset pair; MMD² does not depend on the order of rows. */
type KernelSums = (s: KidSubset) => [number, number, number]

/** Kernel sums computed per subset, or read from full kernel matrices computed once when both sets are small. */
function subsetKernelSums(fx: Features, fy: Features, d: number, maxCachedRows: number): KernelSums {
  const [nx, ny] = [fx.length / d, fy.length / d]
  if (nx > maxCachedRows || ny > maxCachedRows) {
    return (s) => {
      const [x, y, m] = [gatherRows(fx, s.x, d), gatherRows(fy, s.y, d), s.x.length]
      const all = Int32Array.from({ length: m }, (_, i) => i)
      const sum = (k: Float64Array, skip: boolean): number => sumPicked(k, m, all, all, skip)
      return [sum(kernelMatrix(x, m, x, m, d), true), sum(kernelMatrix(y, m, y, m, d), true), sum(kernelMatrix(x, m, y, m, d), false)]
    }
  }
  const [x, y] = [Float64Array.from(fx), Float64Array.from(fy)]
  const [kxx, kyy, kxy] = [kernelMatrix(x, nx, x, nx, d), kernelMatrix(y, ny, y, ny, d), kernelMatrix(x, nx, y, ny, d)]
  return (s) => {
    const [sx, sy] = [s.x.slice().sort(), s.y.slice().sort()]
    return [sumPicked(kxx, nx, sx, sx, true), sumPicked(kyy, ny, sy, sy, true), sumPicked(kxy, ny, sx, sy, false)]
  }
}

/**
 * KID over given subsets (also for reproducing another tool's draws). With at most `maxCachedRows` rows per set the full kernel
 * matrices are computed once (3 × 2048² doubles = 100 MB at the default), otherwise each subset's are computed on their own.
 */
export function kidFromSubsets(
  fx: Features,
  fy: Features,
  d: number,
  subsets: readonly KidSubset[],
  maxCachedRows = 2048,
): Pick<KidResult, 'mean' | 'std' | 'values'> {
  const kernelSums = subsetKernelSums(fx, fy, d, maxCachedRows)
  const values = new Float64Array(subsets.length)
  subsets.forEach((s, i) => {
    const m = s.x.length
    if (s.y.length !== m || m < 2) throw new Error(`KID subset ${i} has sizes ${m} and ${s.y.length}`)
    const [xx, yy, xy] = kernelSums(s)
    values[i] = (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m) // unbiased MMD² (torch-fidelity mmd2, mmd_est='unbiased')
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
  const rng = Rng.fromSeed(seed)
  const subsets = Array.from({ length: count }, () => ({
    x: permutation(nx, rng).slice(0, subsetSize),
    y: permutation(ny, rng).slice(0, subsetSize),
  }))
  return { ...kidFromSubsets(fx, fy, d, subsets), subsets: count, subsetSize, seed }
}
