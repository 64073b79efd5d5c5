// Sampler time grids and the guidance interval. Port of flowmo/models.py `rf_sample` schedule code:
// `linear` (t_i = (n−i)/n, no trailing 0) and `pow_p` (t_i = ((n−i)/n)^(1/p), i = 0..n; ρ = 1/p, paper eq. 14).
const f32 = Math.fround

export interface TimeGrid {
  readonly ts: Float32Array // decoder times, float32 as the reference builds them
  readonly dts: Float32Array // Euler step sizes t_i − t_{i+1} > 0
}

export function getSchedule(steps: number, schedule: string): TimeGrid {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`sample steps must be a positive integer, got ${steps}`)
  if (schedule === 'linear') {
    const ts = Float32Array.from({ length: steps }, (_, i) => f32((steps - i) / steps))
    return { ts, dts: new Float32Array(steps).fill(f32(1 / steps)) }
  }
  const m = /^pow_([0-9]*\.?[0-9]+)$/.exec(schedule)
  if (!m || Number(m[1]) <= 0) throw new Error(`unknown sampler schedule "${schedule}"; use "linear" or "pow_<p>" (p > 0, e.g. pow_0.25)`)
  const rho = 1 / Number(m[1])
  const denom = f32(Math.pow(steps, rho))
  const ts = Float32Array.from({ length: steps + 1 }, (_, i) => f32(f32(Math.pow(steps - i, rho)) / denom))
  const dts = Float32Array.from({ length: steps }, (_, i) => f32(ts[i] - ts[i + 1]))
  return { ts, dts }
}

/** "pow_<1/ρ>" for a shift ρ (ρ = 4 → "pow_0.25"); ρ = 1 is the uniform grid with a trailing 0. */
export function powSchedule(rho: number): string {
  if (!(rho > 0)) throw new Error(`shift ρ must be positive, got ${rho}`)
  return `pow_${1 / rho}`
}

/** EDM σ interval "(lo,hi)" → flow-time interval [σ_lo/(1+σ_lo), σ_hi/(1+σ_hi)] (doubles, inclusive). */
export function cfgIntervalT(sigmaInterval: string | null): [number, number] {
  if (sigmaInterval === null) return [-Infinity, Infinity]
  const m = /^\s*\(\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)\s*$/.exec(sigmaInterval)
  if (!m) throw new Error(`guidance interval must look like "(.17,1.02)" (EDM σ), got "${sigmaInterval}"`)
  const [lo, hi] = [Number(m[1]), Number(m[2])]
  if (!(lo >= 0 && hi >= lo)) throw new Error(`guidance interval needs 0 ≤ lo ≤ hi, got (${lo}, ${hi})`)
  return [lo / (1 + lo), hi / (1 + hi)]
}
