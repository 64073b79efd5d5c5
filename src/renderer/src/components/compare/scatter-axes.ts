// Axes of the rate–distortion scatter: a linear or log scale over the data with round tick values, mapped to 0..1,
// and tick labels with as many decimals as their spacing needs.

export interface Axis {
  readonly log: boolean
  readonly ticks: readonly number[]
  at(value: number): number // 0 at the low end, 1 at the high end
  format(tick: number): string // with as many decimals as the tick spacing needs
}

/** Linear ticks at a step of 1, 2 or 5 × 10^k, about `count` of them, covering [lo, hi]. */
function linearTicks(lo: number, hi: number, count: number): { ticks: number[]; decimals: number } {
  const raw = (hi - lo) / count
  const power = Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * 10 ** power).find((s) => s >= raw)!
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12))
  return { ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) }
}

/** Log ticks at 1, 2 and 5 × 10^k within [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = []
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = +(m * 10 ** k).toPrecision(12)
      if (v >= lo && v <= hi) ticks.push(v)
    }
  }
  return ticks
}

/** An axis over the finite values, padded by `pad` of its span; log when they span more than `logRatio` and are > 0. */
export function axisOver(values: readonly number[], { pad = 0.08, logRatio = 4 as number | null } = {}): Axis {
  const finite = values.filter(Number.isFinite)
  const [min, max] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1]
  const log = logRatio !== null && min > 0 && max / min > logRatio
  const f = log ? Math.log10 : (v: number) => v
  const span = f(max) - f(min) || Math.abs(f(max)) * 0.1 || 1
  const [a, b] = [f(min) - pad * span, f(max) + pad * span]
  const [lo, hi] = log ? [10 ** a, 10 ** b] : [a, b]
  const at = (v: number) => (f(v) - a) / (b - a)
  if (log) return { log, ticks: logTicks(lo, hi), at, format: (t) => String(t) }
  const { ticks, decimals } = linearTicks(lo, hi, 5)
  return { log, ticks, at, format: (t) => t.toFixed(decimals) }
}
