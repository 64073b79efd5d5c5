// Gaussian feature statistics and the Fréchet distance between them (FID), in float64, as pytorch-fid's
// calculate_frechet_distance but with tr√(Σ1Σ2) from symmetric eigendecompositions instead of scipy.linalg.sqrtm.
import { symmetricEigen } from './eigen'
import { rowDots } from './row-dots'

/** Mean and unbiased covariance (numpy.cov(rowvar=False)) of n feature rows of width d. */
export interface GaussianStats {
  readonly mu: Float64Array // [d]
  readonly sigma: Float64Array // [d, d] row-major
  readonly d: number
  readonly n: number
}

/**
 * Streams feature rows into shifted sums (shift = first row), which keeps the covariance exact to float64 for large n.
 * Rows are buffered in blocks of 64 (column-major) so each covariance entry is updated once per block, not once per row.
 */
export class FeatureStatsAccumulator {
  private readonly shift: Float64Array
  private readonly sum: Float64Array
  private readonly outer: Float64Array // upper triangle of Σ (x − shift)(x − shift)ᵀ
  private readonly block: Float64Array // [d, blockRows]: column i holds feature i of the buffered rows
  private buffered = 0
  private count = 0
  private static readonly blockRows = 64

  constructor(readonly d: number) {
    this.shift = new Float64Array(d)
    this.sum = new Float64Array(d)
    this.outer = new Float64Array(d * d)
    this.block = new Float64Array(d * FeatureStatsAccumulator.blockRows)
  }

  add(features: Float32Array | Float64Array, n: number): void {
    const { d, block } = this
    const rows = FeatureStatsAccumulator.blockRows
    if (features.length !== n * d) throw new Error(`features have ${features.length} values, ${n} × ${d} needs ${n * d}`)
    if (this.count === 0 && n > 0) this.shift.set(features.subarray(0, d))
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) block[j * rows + this.buffered] = features[r * d + j] - this.shift[j]
      if (++this.buffered === rows) this.flush()
    }
    this.count += n
  }

  private flush(): void {
    const { d, block, sum, outer, buffered } = this
    const rows = FeatureStatsAccumulator.blockRows
    for (let i = 0; i < d; i++) {
      const bi = i * rows
      for (let r = 0; r < buffered; r++) sum[i] += block[bi + r]
      for (let j = i; j < d; j++) {
        const bj = j * rows
        let s = 0
        for (let r = 0; r < buffered; r++) s += block[bi + r] * block[bj + r]
        outer[i * d + j] += s
      }
    }
    this.buffered = 0
  }

  result(): GaussianStats {
    this.flush()
    const { d, count: n, sum, outer } = this
    if (n < 2) throw new Error(`feature statistics need at least 2 rows, got ${n}`)
    const mu = this.shift.map((s, i) => s + sum[i] / n)
    const sigma = new Float64Array(d * d)
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const c = (outer[i * d + j] - (sum[i] * sum[j]) / n) / (n - 1)
        sigma[i * d + j] = c
        sigma[j * d + i] = c
      }
    }
    return { mu, sigma, d, n }
  }
}

export function featureStats(features: Float32Array | Float64Array, n: number, d: number): GaussianStats {
  const acc = new FeatureStatsAccumulator(d)
  acc.add(features, n)
  return acc.result()
}

/**
 * tr √(Σ1^{1/2} Σ2 Σ1^{1/2}) = Σ √eig(D Vᵀ Σ2 V D) with Σ1 = V D² Vᵀ. Σ1's eigenvalues at round-off level (|λ| ≤ d·2⁻⁵²·λmax,
 * including small negative ones) count as 0 and their eigenvectors are dropped, so singular covariances (n ≤ d) need no ε offset
 * and do not pick up the √(round-off) error that sqrtm shows on them. Negative eigenvalues of the inner product are clamped to 0.
 */
export function traceSqrtProduct(sigma1: Float64Array, sigma2: Float64Array, d: number): number {
  const eig = symmetricEigen(sigma1, d)
  const vectors = eig.vectors as Float64Array
  const floor = Math.max(...eig.values) * d * 2 ** -52 // below this an eigenvalue is round-off of an exact 0
  const kept = [...eig.values.keys()].filter((k) => eig.values[k] > floor)
  const r = kept.length
  const vr = new Float64Array(r * d) // [r, d] kept eigenvectors as rows
  kept.forEach((k, row) => vr.set(vectors.subarray(k * d, (k + 1) * d), row * d))
  const t = rowDots(vr, r, sigma2, d, d) // [r, d] = Vrᵀ Σ2, Σ2 being symmetric
  const inner = rowDots(t, r, vr, r, d) // [r, r] = Vrᵀ Σ2 Vr
  const scale = kept.map((k) => Math.sqrt(eig.values[k]))
  const b = new Float64Array(r * r)
  for (let p = 0; p < r; p++) {
    for (let q = 0; q < r; q++) b[p * r + q] = (scale[p] * scale[q] * (inner[p * r + q] + inner[q * r + p])) / 2
  }
  return symmetricEigen(b, r, { vectors: false }).values.reduce((acc, v) => acc + Math.sqrt(Math.max(v, 0)), 0)
}

export interface FrechetResult {
  readonly value: number // |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2)
  readonly meanTerm: number // |μ1 − μ2|²
  readonly traceSqrt: number // tr √(Σ1Σ2)
  readonly epsOffset: number // ε added to both diagonals inside the square root only (pytorch-fid's fallback); 0 unless asked for
}

export function frechetDistance(s1: GaussianStats, s2: GaussianStats, epsOffset = 0): FrechetResult {
  if (s1.d !== s2.d) throw new Error(`feature widths differ: ${s1.d} vs ${s2.d}`)
  const d = s1.d
  const withOffset = (s: Float64Array): Float64Array =>
    epsOffset === 0 ? s : s.map((v, i) => (i % (d + 1) === 0 ? v + epsOffset : v))
  const sigma1 = withOffset(s1.sigma)
  const sigma2 = withOffset(s2.sigma)
  let meanTerm = 0
  let traces = 0
  for (let i = 0; i < d; i++) {
    meanTerm += (s1.mu[i] - s2.mu[i]) ** 2
    traces += s1.sigma[i * d + i] + s2.sigma[i * d + i]
  }
  const traceSqrt = traceSqrtProduct(sigma1, sigma2, d)
  return { value: meanTerm + traces - 2 * traceSqrt, meanTerm, traceSqrt, epsOffset }
}
