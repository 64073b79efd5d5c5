// Sampler options shared by reconstruct, eval and sweep: --steps, --rho, --cfg, --interval (EDM σ), --seed.
import type { SamplingConfig } from '../trainer/model/configs'
import { powSchedule } from '../trainer/sample/schedule'
import { integerOption, numberOption, UsageError } from './args'

export const samplerOptionSpecs = {
  steps: { type: 'string' },
  rho: { type: 'string' },
  cfg: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
} as const

export const samplerUsage = [
  '  --steps <n>        Euler steps (default: the config\'s, 25 for the reference)',
  '  --rho <ρ>          time shift: t_i = ((n−i)/n)^ρ (default 4 = the reference pow_0.25); 1 = uniform',
  '  --cfg <scale>      classifier-free guidance scale (default 1.5; 1 = off)',
  '  --interval lo,hi   guidance interval in EDM σ units (default .17,1.02), or "all"',
  '  --seed <n>         noise seed (default 0); image i gets the noise of (seed, i)',
]

export interface SamplerChoice {
  sampling: Partial<SamplingConfig>
  seed: number
}

export function samplerFromArgs(v: { steps?: string; rho?: string; cfg?: string; interval?: string; seed?: string }): SamplerChoice {
  const sampling: { -readonly [K in keyof SamplingConfig]?: SamplingConfig[K] } = {}
  const steps = integerOption(v.steps, 'steps', { min: 1, max: 10_000 })
  if (steps !== undefined) sampling.steps = steps
  const rho = numberOption(v.rho, 'rho')
  if (rho !== undefined) {
    if (!(rho > 0)) throw new UsageError(`--rho must be positive, got ${rho}`)
    sampling.schedule = powSchedule(rho)
  }
  const cfg = numberOption(v.cfg, 'cfg')
  if (cfg !== undefined) sampling.cfg = cfg
  if (v.interval !== undefined) sampling.cfgInterval = parseInterval(v.interval)
  return { sampling, seed: integerOption(v.seed, 'seed', { min: 0 }) ?? 0 }
}

function parseInterval(text: string): string | null {
  if (text === 'all') return null
  const m = /^\(?\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)?$/.exec(text)
  if (!m || !(Number(m[1]) >= 0) || !(Number(m[2]) >= Number(m[1]))) {
    throw new UsageError(`--interval expects lo,hi in EDM σ units with 0 ≤ lo ≤ hi (e.g. .17,1.02), got '${text}'`)
  }
  return `(${m[1]},${m[2]})`
}
