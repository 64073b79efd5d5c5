// Statistics for pairwise human ratings: Wilson score intervals for win rates (Wilson 1927), and the
// Bradley–Terry model P(i beats j) = p_i / (p_i + p_j) fitted by the MM algorithm of Hunter (2004), eq. (3).

/** Wilson score interval for `successes` out of `n` at normal quantile z (1.959964 ≈ 95 %); [0, 1] when n = 0. */
export function wilsonInterval(successes: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1]
  if (successes < 0 || successes > n) throw new Error(`successes ${successes} must lie in 0..${n}`)
  const p = successes / n
  const z2 = z * z
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

export interface BradleyTerryOptions {
  readonly pseudoWins?: number // added to both directions of every compared pair, so the fit stays finite when a method never won; default 0.1
  readonly maxIterations?: number // default 10 000
  readonly tolerance?: number // stop when no log-strength moves more than this; default 1e-10
}

export interface BradleyTerryFit {
  readonly strengths: number[] // p_i, normalised to sum 1
  readonly scores: number[] // log p_i, centred to mean 0 (differences are log-odds of winning)
  readonly iterations: number
  readonly converged: boolean
  readonly logLikelihood: number // of the observed wins (pseudo-wins excluded)
  readonly pseudoWins: number
}

/**
 * Fits Bradley–Terry strengths from `wins[i][j]` = times i beat j. MM update: p_i ← W_i / Σ_{j≠i} n_ij / (p_i + p_j),
 * W_i = total wins of i, n_ij = comparisons of i and j; then renormalise. Converges to the MLE when every method can
 * reach every other through wins (Hunter 2004, Assumption 1), which the pseudo-wins guarantee for compared pairs.
 */
export function bradleyTerry(wins: readonly (readonly number[])[], options: BradleyTerryOptions = {}): BradleyTerryFit {
  const K = wins.length
  const prior = options.pseudoWins ?? 0.1
  const w = wins.map((row, i) => row.map((v, j) => (i !== j && v + wins[j][i] > 0 ? v + prior : 0)))
  const total = w.map((row) => row.reduce((a, b) => a + b, 0))
  let p = new Array<number>(K).fill(1 / K)
  let iterations = 0
  let converged = false
  while (iterations < (options.maxIterations ?? 10_000) && !converged) {
    iterations++
    const next = p.map((pi, i) => {
      let denom = 0
      for (let j = 0; j < K; j++) if (j !== i) denom += (w[i][j] + w[j][i]) / (pi + p[j])
      return denom > 0 ? total[i] / denom : pi
    })
    const sum = next.reduce((a, b) => a + b, 0)
    const normalised = next.map((v) => v / sum)
    converged = normalised.every((v, i) => Math.abs(Math.log(v) - Math.log(p[i])) <= (options.tolerance ?? 1e-10))
    p = normalised
  }
  const logs = p.map(Math.log)
  const mean = logs.reduce((a, b) => a + b, 0) / K
  let logLikelihood = 0
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) if (i !== j && wins[i][j] > 0) logLikelihood += wins[i][j] * Math.log(p[i] / (p[i] + p[j]))
  return { strengths: p, scores: logs.map((l) => l - mean), iterations, converged, logLikelihood, pseudoWins: prior }
}
