// Improved precision and recall (Kynkäänniemi et al. 2019) as the ADM evaluator computes them (evaluator.py
// `ManifoldEstimator`, nhood_sizes=(3,)): each set's manifold is the union of balls around its points whose squared radius
// is the distance to the k-th nearest other point; precision = share of samples inside the real manifold, recall = share of
// real points inside the sample manifold (distance ≤ radius). Exact float64 distances (ADM uses fp16 with an fp32 fallback).
import { rowDots } from './row-dots'

export interface PrecisionRecall {
  readonly precision: number
  readonly recall: number
  readonly k: number
}

/** Squared Euclidean distances [ra, rb] between the rows of a [ra, d] and b [rb, d]. */
function squaredDistances(a: Float64Array, ra: number, b: Float64Array, rb: number, d: number): Float64Array {
  const norms = (x: Float64Array, r: number) => Float64Array.from({ length: r }, (_, i) => x.subarray(i * d, (i + 1) * d).reduce((s, v) => s + v * v, 0))
  const [na, nb] = [norms(a, ra), norms(b, rb)]
  const dots = rowDots(a, ra, b, rb, d)
  for (let i = 0; i < ra; i++) for (let j = 0; j < rb; j++) dots[i * rb + j] = Math.max(na[i] + nb[j] - 2 * dots[i * rb + j], 0)
  return dots
}

/** Squared distance from each row to its k-th nearest neighbour in the same set (itself, at 0, is neighbour 0). */
export function manifoldRadii(x: Float64Array, n: number, d: number, k: number): Float64Array {
  if (n <= k) throw new Error(`precision/recall with k = ${k} needs more than ${k} images per set, got ${n}`)
  const dist = squaredDistances(x, n, x, n, d)
  return Float64Array.from({ length: n }, (_, i) => Float64Array.from(dist.subarray(i * n, (i + 1) * n)).sort()[k])
}

/** Share of the rows of `probe` within radius of at least one row of `manifold`. */
function coverage(manifold: Float64Array, radii: Float64Array, m: number, probe: Float64Array, p: number, d: number): number {
  const dist = squaredDistances(probe, p, manifold, m, d)
  let inside = 0
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < m; j++) {
      if (dist[i * m + j] <= radii[j]) {
        inside++
        break
      }
    }
  }
  return inside / p
}

/** real [nr, d] and fake [nf, d] feature rows → precision (fake in real's manifold) and recall (real in fake's). */
export function precisionRecall(real: Float32Array | Float64Array, nr: number, fake: Float32Array | Float64Array, nf: number, d: number, k = 3): PrecisionRecall {
  const [r, f] = [Float64Array.from(real), Float64Array.from(fake)]
  if (r.length !== nr * d || f.length !== nf * d) throw new Error(`feature rows do not match [${nr}, ${d}] and [${nf}, ${d}]`)
  const [radiiReal, radiiFake] = [manifoldRadii(r, nr, d, k), manifoldRadii(f, nf, d, k)]
  return { precision: coverage(r, radiiReal, nr, f, nf, d), recall: coverage(f, radiiFake, nf, r, nr, d), k }
}
