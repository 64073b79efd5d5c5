// Symmetric eigendecomposition in float64: Householder tridiagonalisation + implicit QL
// (EISPACK tred2/tql2 as ported in JAMA's EigenvalueDecomposition), with V kept column-major so every inner loop is contiguous.

export interface SymmetricEigen {
  readonly values: Float64Array // ascending, as numpy.linalg.eigh
  readonly vectors: Float64Array | null // [n, n]; row k is the unit eigenvector of values[k]
}

/** Householder reduction of the symmetric a (column-major V[r][c] = a[c·n + r]) to tridiagonal d (diagonal), e (sub-diagonal). */
function tred2(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = a[j * n + n - 1]
  for (let i = n - 1; i > 0; i--) {
    let scale = 0
    for (let k = 0; k < i; k++) scale += Math.abs(d[k])
    if (scale === 0) {
      e[i] = d[i - 1]
      for (let j = 0; j < i; j++) {
        d[j] = a[j * n + i - 1]
        a[j * n + i] = 0
        a[i * n + j] = 0
      }
    } else {
      householderStep(a, n, d, e, i, scale)
    }
  }
}

/** One reduction step on row i: builds the Householder vector in d and applies the similarity transform to V[0..i-1][0..i-1]. */
function householderStep(a: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number, scale: number): void {
  let h = 0
  for (let k = 0; k < i; k++) {
    d[k] /= scale
    h += d[k] * d[k]
  }
  let f = d[i - 1]
  let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h)
  e[i] = scale * g
  h -= f * g
  d[i - 1] = f - g
  e.fill(0, 0, i)
  for (let j = 0; j < i; j++) {
    const col = j * n
    f = d[j]
    a[i * n + j] = f
    g = e[j] + a[col + j] * f
    for (let k = j + 1; k < i; k++) {
      g += a[col + k] * d[k]
      e[k] += a[col + k] * f
    }
    e[j] = g
  }
  f = 0
  for (let j = 0; j < i; j++) {
    e[j] /= h
    f += e[j] * d[j]
  }
  const hh = f / (h + h)
  for (let j = 0; j < i; j++) e[j] -= hh * d[j]
  for (let j = 0; j < i; j++) {
    const col = j * n
    f = d[j]
    g = e[j]
    for (let k = j; k < i; k++) a[col + k] -= f * e[k] + g * d[k]
    d[j] = a[col + i - 1]
    a[col + i] = 0
  }
  d[i] = h
}

/** Turns the stored Householder vectors into the orthogonal V, and moves the tridiagonal's diagonal into d. */
function accumulate(a: Float64Array, n: number, d: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    a[i * n + n - 1] = a[i * n + i]
    a[i * n + i] = 1
    const h = d[i + 1]
    const next = (i + 1) * n
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = a[next + k] / h
      for (let j = 0; j <= i; j++) {
        const col = j * n
        let g = 0
        for (let k = 0; k <= i; k++) g += a[next + k] * a[col + k]
        for (let k = 0; k <= i; k++) a[col + k] -= g * d[k]
      }
    }
    a.fill(0, next, next + i + 1)
  }
  for (let j = 0; j < n; j++) {
    d[j] = a[j * n + n - 1]
    a[j * n + n - 1] = 0
  }
  a[n * n - 1] = 1
}

/** One implicit-shift QL sweep over d[l..m], e[l..m]; rotates V's columns when given. Returns the shift applied to d[l+2..]. */
function qlSweep(d: Float64Array, e: Float64Array, n: number, l: number, m: number, a: Float64Array | null): number {
  const g0 = d[l]
  let p = (d[l + 1] - g0) / (2 * e[l])
  const r0 = p < 0 ? -Math.hypot(p, 1) : Math.hypot(p, 1)
  d[l] = e[l] / (p + r0)
  d[l + 1] = e[l] * (p + r0)
  const dl1 = d[l + 1]
  const shift = g0 - d[l]
  for (let i = l + 2; i < n; i++) d[i] -= shift
  p = d[m]
  let [c, c2, c3, s, s2] = [1, 1, 1, 0, 0]
  const el1 = e[l + 1]
  for (let i = m - 1; i >= l; i--) {
    ;[c3, c2, s2] = [c2, c, s]
    const g = c * e[i]
    const h = c * p
    const r = Math.hypot(p, e[i])
    e[i + 1] = s * r
    s = e[i] / r
    c = p / r
    p = c * d[i] - s * g
    d[i + 1] = h + s * (c * g + s * d[i])
    if (a) rotateColumns(a, n, i, c, s)
  }
  p = (-s * s2 * c3 * el1 * e[l]) / dl1
  e[l] = s * p
  d[l] = c * p
  return shift
}

function rotateColumns(a: Float64Array, n: number, i: number, c: number, s: number): void {
  const ci = i * n
  const cj = (i + 1) * n
  for (let k = 0; k < n; k++) {
    const h = a[cj + k]
    a[cj + k] = s * a[ci + k] + c * h
    a[ci + k] = c * a[ci + k] - s * h
  }
}

/** Diagonalises the tridiagonal (d, e from tred2) in place: d becomes the eigenvalues. */
function tql2(d: Float64Array, e: Float64Array, n: number, a: Float64Array | null): void {
  e.copyWithin(0, 1)
  e[n - 1] = 0
  const eps = 2 ** -52
  let f = 0
  let tst1 = 0
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]))
    let m = l
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++
    for (let iter = 0; m > l && Math.abs(e[l]) > eps * tst1; iter++) {
      if (iter === 100) throw new Error(`symmetricEigen: QL did not converge at eigenvalue ${l} of ${n}`)
      f += qlSweep(d, e, n, l, m, a)
    }
    d[l] += f
    e[l] = 0
  }
}

function sortAscending(d: Float64Array, a: Float64Array | null, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i
    for (let j = i + 1; j < n; j++) if (d[j] < d[k]) k = j
    if (k === i) continue
    ;[d[i], d[k]] = [d[k], d[i]]
    if (!a) continue
    const tmp = a.slice(i * n, (i + 1) * n)
    a.copyWithin(i * n, k * n, (k + 1) * n)
    a.set(tmp, k * n)
  }
}

/** Eigenvalues (and optionally eigenvectors) of the symmetric n×n matrix A (row-major; must be symmetric). A is not modified. */
export function symmetricEigen(A: Float64Array, n: number, options: { vectors: boolean } = { vectors: true }): SymmetricEigen {
  if (A.length !== n * n) throw new Error(`symmetricEigen: matrix has ${A.length} values, n = ${n} needs ${n * n}`)
  if (!A.every(Number.isFinite)) throw new Error('symmetricEigen: matrix has non-finite values')
  if (n === 0) return { values: new Float64Array(0), vectors: options.vectors ? new Float64Array(0) : null }
  const a = Float64Array.from(A)
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  tred2(a, n, d, e)
  if (options.vectors) accumulate(a, n, d)
  else for (let j = 0; j < n; j++) d[j] = a[j * n + j]
  const v = options.vectors ? a : null
  tql2(d, e, n, v)
  sortAscending(d, v, n)
  return { values: d, vectors: v }
}
