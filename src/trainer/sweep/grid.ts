// The grid of a sampler sweep (issue 7 "Sweeps"): steps × ρ × CFG scale × guidance interval, expanded to one setting
// per cell in a fixed order (steps outermost, interval innermost); each setting maps to the sampler's SamplingConfig.
import type { SamplingConfig } from '../model/configs'
import { cfgIntervalT, powSchedule } from '../sample/schedule'

/** An EDM σ interval [lo, hi] (the reference's "(.17,1.02)"), or null for guidance at every step. */
export type SigmaInterval = readonly [number, number] | null

export interface SweepGrid {
  readonly steps: readonly number[] // Euler steps, e.g. [5, 10, 25, 50]
  readonly rho: readonly number[] // time shift ρ, t_i = ((n−i)/n)^ρ, e.g. [1, 2, 4, 8]
  readonly cfg: readonly number[] // guidance scales, e.g. [1, 1.5]; 1 = off
  readonly interval: readonly SigmaInterval[] // e.g. [[0.17, 1.02], null]
}

/** The grid as a caller may give it: a missing axis takes the model config's value. */
export type SweepGridRequest = Partial<SweepGrid>

export interface SweepSetting {
  readonly steps: number
  readonly rho: number
  readonly cfg: number
  readonly interval: SigmaInterval
}

/** "(.17,1.02)" → [0.17, 1.02]; null stays null. */
export function parseSigmaInterval(text: string | null): SigmaInterval {
  if (text === null) return null
  cfgIntervalT(text) // throws a clear error on a malformed interval
  const [lo, hi] = text.replace(/[()\s]/g, '').split(',').map(Number)
  return [lo, hi]
}

const sigmaText = (interval: SigmaInterval): string | null => (interval === null ? null : `(${interval[0]},${interval[1]})`)

/** Fills missing axes from the model's sampling config (a `linear` schedule counts as ρ = 1) and checks every value. */
export function completeGrid(request: SweepGridRequest, base: SamplingConfig): SweepGrid {
  const baseRho = /^pow_/.test(base.schedule) ? 1 / Number(base.schedule.slice(4)) : 1
  const grid: SweepGrid = {
    steps: request.steps ?? [base.steps],
    rho: request.rho ?? [baseRho],
    cfg: request.cfg ?? [base.cfg],
    interval: request.interval ?? [parseSigmaInterval(base.cfgInterval)],
  }
  for (const [axis, values] of Object.entries(grid)) {
    if ((values as readonly unknown[]).length === 0) throw new Error(`sweep axis ${axis} has no values`)
  }
  for (const s of grid.steps) if (!Number.isInteger(s) || s < 1) throw new Error(`sweep steps must be positive integers, got ${s}`)
  for (const r of grid.rho) powSchedule(r) // throws on ρ ≤ 0
  for (const c of grid.cfg) if (!Number.isFinite(c)) throw new Error(`sweep CFG scales must be finite numbers, got ${c}`)
  for (const i of grid.interval) cfgIntervalT(sigmaText(i))
  return grid
}

/** One setting per cell: steps outermost, then ρ, CFG scale, interval. Repeated axis values give repeated cells. */
export function gridSettings(grid: SweepGrid): SweepSetting[] {
  return grid.steps.flatMap((steps) =>
    grid.rho.flatMap((rho) => grid.cfg.flatMap((cfg) => grid.interval.map((interval) => ({ steps, rho, cfg, interval })))))
}

/** How many cells a requested grid has (a missing axis is the config's single value). */
export const gridCellCount = (request: SweepGridRequest): number =>
  (request.steps?.length ?? 1) * (request.rho?.length ?? 1) * (request.cfg?.length ?? 1) * (request.interval?.length ?? 1)

/** The sampler configuration of one cell. */
export function settingSampling(s: SweepSetting): SamplingConfig {
  return { steps: s.steps, schedule: powSchedule(s.rho), cfg: s.cfg, cfgInterval: sigmaText(s.interval) }
}

/** Short label for file names and tables, e.g. "s4-rho1-cfg1.5-sigma0.17-1.02" ("sigma-all" without an interval). */
export function settingLabel(s: SweepSetting): string {
  const interval = s.interval === null ? 'sigma-all' : `sigma${s.interval[0]}-${s.interval[1]}`
  return `s${s.steps}-rho${s.rho}-cfg${s.cfg}-${interval}`
}
