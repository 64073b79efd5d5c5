// Sampler options shared by reconstruct, eval, compare and export-ratings: --steps, --rho, --cfg, --interval (EDM σ),
// --seed, --noise (how each image's z0 is keyed).
import type { SamplingConfig } from '../trainer/model/configs'
import { NOISE_KEYINGS, type NoiseKeying } from '../trainer/sample/noise'
import { powSchedule } from '../trainer/sample/schedule'
import { integerOption, numberOption, UsageError } from './args'

export const samplerOptionSpecs = {
  steps: { type: 'string' },
  rho: { type: 'string' },
  cfg: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
  noise: { type: 'string' },
} as const

export const samplerUsage = [
  '  --steps <n>        Euler steps (default: the config\'s, 25 for the reference)',
  '  --rho <ρ>          time shift: t_i = ((n−i)/n)^ρ (default 4 = the reference pow_0.25); 1 = uniform',
  '  --cfg <scale>      classifier-free guidance scale (default 1.5; 1 = off)',
  '  --interval lo,hi   guidance interval in EDM σ units (default .17,1.02), or "all"',
  '  --seed <n>         noise seed (default 0)',
  '  --noise image|index  z0 keyed by (seed, the image\'s content): the same image gets the same reconstruction',
  '                     anywhere (default); index: by (seed, position in the sorted set), as the reference\'s batches',
]

export interface SamplerChoice {
  sampling: Partial<SamplingConfig>
  seed: number
  noise: NoiseKeying
}

export function samplerFromArgs(v: { steps?: string; rho?: string; cfg?: string; interval?: string; seed?: string; noise?: string }): SamplerChoice {
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
  return { sampling, seed: integerOption(v.seed, 'seed', { min: 0 }) ?? 0, noise: noiseKeying(v.noise) }
}

export function noiseKeying(text: string | undefined): NoiseKeying {
  if (text === undefined) return 'image'
  if (!(NOISE_KEYINGS as readonly string[]).includes(text)) throw new UsageError(`--noise expects image or index, got '${text}'`)
  return text as NoiseKeying
}

function parseInterval(text: string): string | null {
  if (text === 'all') return null
  const m = /^\(?\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)?$/.exec(text)
  if (!m || !(Number(m[1]) >= 0) || !(Number(m[2]) >= Number(m[1]))) {
    throw new UsageError(`--interval expects lo,hi in EDM σ units with 0 ≤ lo ≤ hi (e.g. .17,1.02), got '${text}'`)
  }
  return `(${m[1]},${m[2]})`
}
