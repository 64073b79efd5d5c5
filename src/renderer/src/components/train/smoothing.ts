// Exponential moving average of a logged curve, debiased like TensorBoard's smoothing slider: weight 0 shows the raw
// values, 0.99 a long average. Missing values (NaN) stay missing and do not enter the average.

export function ema(values: readonly number[], weight: number): number[] {
  let average = 0
  let seen = 0 // values averaged so far (for the bias correction 1 − weightⁿ)
  return values.map((v) => {
    if (!Number.isFinite(v)) return Number.NaN
    seen++
    average = average * weight + (1 - weight) * v
    return weight === 0 ? v : average / (1 - weight ** seen)
  })
}
