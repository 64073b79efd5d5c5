// Model-side toggles of the paper's ablations (Tables 3–5) applied to a config: the quantiser, the patch size and the
// sampler defaults (shift ρ, guidance). Each returns a new validated config; everything else stays as it was.
import { buildConfig, explicitSizes, type FlowMoConfig, type QuantizerConfig, type QuantizerKind } from './configs'
import { powSchedule } from '../sample/schedule'

/** DiTo's noise-sync probability (its zaug_p), used for continuous latents unless given. */
export const DEFAULT_NOISE_SYNC = 0.1

/**
 * FSQ levels with the LFQ code's bit budget: C bits as C/3 channels of 8 levels (3 bits each), else C/2 channels of 4,
 * else C channels of 2 — so an FSQ variant is compared at the same BPP (Table 4 "with FSQ quantization").
 */
export function fsqLevelsForBits(bits: number): number[] {
  const [channels, levels] = bits % 3 === 0 ? [bits / 3, 8] : bits % 2 === 0 ? [bits / 2, 4] : [bits, 2]
  return new Array<number>(channels).fill(levels)
}

export interface QuantizerChoice {
  kind: QuantizerKind
  levels?: number[] // FSQ: one count per channel (default fsqLevelsForBits of the LFQ code)
  noiseSync?: number // continuous: DiTo's probability (default 0.1)
}

/** The config with another quantiser; FSQ's channel count follows its levels (the code keeps its bits). */
export function withQuantizer(c: FlowMoConfig, q: QuantizerChoice): FlowMoConfig {
  const quantizer: QuantizerConfig = q.kind === 'lfq'
    ? { kind: 'lfq' }
    : q.kind === 'fsq'
      ? { kind: 'fsq', levels: q.levels ?? fsqLevelsForBits(c.contextDim) }
      : { kind: 'continuous', noiseSync: q.noiseSync ?? DEFAULT_NOISE_SYNC }
  const contextDim = quantizer.kind === 'fsq' ? quantizer.levels.length : c.contextDim
  return buildConfig({ ...explicitSizes(c), contextDim, quantizer })
}

/** The config with patch size P (e.g. doubled: Table 4 "with doubled patch size"); the token count L stays. */
export function withPatchSize(c: FlowMoConfig, patchSize: number): FlowMoConfig {
  return buildConfig({ ...explicitSizes(c), patchSize })
}

/** Sampler defaults: shift ρ (1 = the unshifted grid) and guidance (false: CFG 1, no interval). */
export function withSampler(c: FlowMoConfig, s: { rho?: number; guidance?: boolean }): FlowMoConfig {
  const sampling = {
    ...c.sampling,
    ...(s.rho !== undefined && { schedule: powSchedule(s.rho) }),
    ...(s.guidance === false && { cfg: 1, cfgInterval: null }),
  }
  return buildConfig({ ...explicitSizes(c), sampling })
}
