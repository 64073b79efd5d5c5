// The views' sampler knobs (steps, ρ, CFG, σ interval) ↔ the model's SamplingConfig (schedule "pow_<1/ρ>",
// cfgInterval "(lo,hi)"), and the guidance interval in flow time t for the trajectory timeline.
import type { SamplingRequest } from '../../shared/payloads/inspect'
import type { SamplingConfig } from '../model/configs'
import { cfgIntervalT, powSchedule } from '../sample/schedule'

export function samplingConfig(req: SamplingRequest): SamplingConfig {
  return {
    steps: req.steps,
    schedule: powSchedule(req.rho),
    cfg: req.cfg,
    cfgInterval: req.interval ? `(${req.interval[0]},${req.interval[1]})` : null,
  }
}

/** A model's default SamplingConfig as the views show it; "linear" is the ρ = 1 grid. */
export function samplingRequest(cfg: SamplingConfig): SamplingRequest {
  const pow = /^pow_([0-9]*\.?[0-9]+)$/.exec(cfg.schedule)
  const rho = pow ? 1 / Number(pow[1]) : 1
  if (cfg.cfgInterval === null) return { steps: cfg.steps, rho, cfg: cfg.cfg, interval: null }
  const [lo, hi] = cfgIntervalT(cfg.cfgInterval).map((t) => t / (1 - t)) // t = σ/(1+σ) → σ
  return { steps: cfg.steps, rho, cfg: cfg.cfg, interval: [round6(lo), round6(hi)] }
}

/** The guidance interval in t: null when guidance is off (cfg 1), [0, 1] when it applies at every step. */
export function guidanceIntervalT(req: SamplingRequest): [number, number] | null {
  if (req.cfg === 1) return null
  if (req.interval === null) return [0, 1]
  return [req.interval[0] / (1 + req.interval[0]), req.interval[1] / (1 + req.interval[1])]
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6
