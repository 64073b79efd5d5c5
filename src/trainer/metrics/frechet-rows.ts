// The Fréchet distance of frechet.ts for sets with no more images than features (n ≤ d): with Σ1 = AᵀA and Σ2 = BᵀB
// (A, B the centred feature rows over √(n − 1)), tr √(Σ1Σ2) is the sum of the singular values of the n1×n2 matrix A·Bᵀ,
// so the d×d eigenproblem (seconds at d = 2048) becomes an n×n one. Larger sets take frechet.ts as it is.
import { symmetricEigen } from './eigen'
import { featureStats, frechetDistance, type FrechetResult, type GaussianStats } from './frechet'
import { rowDots } from './row-dots'

/** Rows minus their mean, over √(n − 1): [n, d] with AᵀA the sample covariance; and the mean. */
function centredRows(features: Float32Array | Float64Array, n: number, d: number): { rows: Float64Array; mu: Float64Array } {
  const mu = new Float64Array(d)
  for (let i = 0; i < n * d; i++) mu[i % d] += features[i] / n
  const scale = 1 / Math.sqrt(n - 1)
  const rows = Float64Array.from({ length: n * d }, (_, i) => (features[i] - mu[i % d]) * scale)
  return { rows, mu }
}

/** Σ √λ over the eigenvalues above round-off (≤ n·2⁻⁵²·λmax counts as 0: centred rows leave at least one exact 0, whose √ would add noise). */
function sumOfSquareRoots(values: Float64Array): number {
  const floor = Math.max(...values) * values.length * 2 ** -52
  return values.reduce((acc, v) => acc + (v > floor ? Math.sqrt(v) : 0), 0)
}

/** FID between feature sets of `nx` and `ny` rows (row-major, width d), each with at least 2 rows. */
export function frechetFromRows(fx: Float32Array | Float64Array, nx: number, fy: Float32Array | Float64Array, ny: number, d: number): FrechetResult {
  if (nx < 2 || ny < 2) throw new Error(`feature statistics need at least 2 rows, got ${nx} and ${ny}`)
  const a = centredRows(fx, nx, d)
  const b = centredRows(fy, ny, d)
  const m = rowDots(a.rows, nx, b.rows, ny, d) // [nx, ny] = A·Bᵀ
  const mmt = rowDots(m, nx, m, nx, ny) // [nx, nx] = (A·Bᵀ)(A·Bᵀ)ᵀ, eigenvalues = squared singular values
  const traceSqrt = sumOfSquareRoots(symmetricEigen(mmt, nx, { vectors: false }).values)
  let meanTerm = 0
  for (let i = 0; i < d; i++) meanTerm += (a.mu[i] - b.mu[i]) ** 2
  const trace = (rows: Float64Array) => rows.reduce((acc, v) => acc + v * v, 0) // tr AᵀA = ‖A‖²
  return { value: meanTerm + trace(a.rows) + trace(b.rows) - 2 * traceSqrt, meanTerm, traceSqrt, epsOffset: 0 }
}

/** FID of two equally sized feature sets: from the rows when n ≤ d, else from the d×d covariances (`fxStats`: x's, when known). */
export function setFrechetDistance(fx: Float32Array, fy: Float32Array, n: number, d: number, fxStats?: GaussianStats): FrechetResult {
  return n <= d ? frechetFromRows(fx, n, fy, n, d) : frechetDistance(fxStats ?? featureStats(fx, n, d), featureStats(fy, n, d))
}
