// Inception Score as the ADM evaluator computes it (openai/guided-diffusion evaluations/evaluator.py
// `compute_inception_score`): per split of 5000 rows, exp(mean_x Σ_y p(y|x)(log p(y|x) − log p̄(y))), then the mean over splits.

export interface InceptionScoreResult {
  readonly value: number // mean over splits
  readonly splits: readonly number[] // the score of each split
  readonly splitSize: number
}

/** probs [n, k] row-major, each row a distribution (softmax of the classifier's logits). */
export function inceptionScore(probs: Float32Array | Float64Array, n: number, k: number, splitSize = 5000): InceptionScoreResult {
  if (probs.length !== n * k) throw new Error(`predictions have ${probs.length} values, ${n} × ${k} needs ${n * k}`)
  if (n < 1) throw new Error('the Inception Score needs at least one prediction')
  const splits: number[] = []
  for (let start = 0; start < n; start += splitSize) {
    const rows = Math.min(splitSize, n - start)
    const mean = new Float64Array(k)
    for (let r = 0; r < rows; r++) for (let y = 0; y < k; y++) mean[y] += probs[(start + r) * k + y] / rows
    let kl = 0
    for (let r = 0; r < rows; r++) {
      for (let y = 0; y < k; y++) {
        const p = probs[(start + r) * k + y]
        if (p > 0) kl += p * (Math.log(p) - Math.log(mean[y])) // 0·log 0 = 0 (numpy gives nan there; softmax outputs are > 0)
      }
    }
    splits.push(Math.exp(kl / rows))
  }
  return { value: splits.reduce((a, b) => a + b, 0) / splits.length, splits, splitSize }
}

