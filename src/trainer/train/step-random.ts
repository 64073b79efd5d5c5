// The random draws of one training step (t, ε, CFG dropout, Stage-1B z₀ and chain grids), each chunk on its own
// stream keyed by (seed, step, chunk): a resumed run draws exactly what an uninterrupted one would.
import { Rng } from '../data/rng'
import type { FlowMoConfig } from '../model/configs'
import type { RandomSource, TimeDistribution } from '../losses/rectified-flow'
import { sampleTimes } from '../losses/rectified-flow'
import { gaussianNoise } from '../sample/noise'
import { syncTimes, type NoiseSyncDraw } from '../losses/noise-sync'

const STEP_STREAM = 11

export class StepRandom implements RandomSource {
  private readonly rng: Rng
  private spare: number | null = null

  constructor(seed: number, step: number, chunk: number) {
    this.rng = Rng.fromSeed(seed, STEP_STREAM, step, chunk)
  }

  uniform(): number {
    return this.rng.nextFloat()
  }

  /** N(0, 1) by Box–Muller, both draws used. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    const [a, b] = gaussianNoise(2, this.rng)
    this.spare = b
    return a
  }

  gaussian(n: number): Float32Array {
    return gaussianNoise(n, this.rng)
  }
}

/** What the Stage-1A loss needs besides x: ε [B,3,S,S], t [B], keep [B] (0 = CFG-dropped, the null code). */
export interface FlowDraw {
  readonly eps: Float32Array
  readonly t: Float32Array // already synced where `sync` marks a sample
  readonly keep: Float32Array
  readonly sync?: NoiseSyncDraw // continuous latents only
}

/** Noise sync of a continuous latent: probability p and the code's values per sample (L·C). */
export interface NoiseSyncSpec {
  readonly p: number
  readonly codeValues: number
}

/** Stage-1B extras: the chain's start z₀ [B,3,S,S] and k+1 uniforms per sample for its time grid. */
export interface ChainDraw {
  readonly z0: Float32Array
  readonly u: Float32Array
}

export function drawFlow(
  r: StepRandom, batch: number, imageSize: number, dist: TimeDistribution, cfgDropout: number, sync: NoiseSyncSpec | null = null,
): FlowDraw {
  const t = sampleTimes(dist, batch, r)
  const keep = Float32Array.from({ length: batch }, () => (r.uniform() < cfgDropout ? 0 : 1))
  const eps = r.gaussian(batch * 3 * imageSize * imageSize)
  if (!sync || sync.p === 0) return { eps, t, keep }
  // drawn after the rest, so the other draws match a run without noise sync
  const uniforms = (n: number) => Float32Array.from({ length: n }, () => r.uniform())
  const d: NoiseSyncDraw = {
    mask: uniforms(batch).map((v) => (v < sync.p ? 1 : 0)), tau: uniforms(batch), u: uniforms(batch), epsZ: r.gaussian(batch * sync.codeValues),
  }
  return { eps, t: syncTimes(t, d), keep, sync: d }
}

export function drawChain(r: StepRandom, batch: number, imageSize: number, k: number): ChainDraw {
  const u = Float32Array.from({ length: batch * (k + 1) }, () => r.uniform())
  return { z0: r.gaussian(batch * 3 * imageSize * imageSize), u }
}

/** A continuous latent's noise sync, or null for quantised codes. */
export function noiseSyncSpec(c: FlowMoConfig): NoiseSyncSpec | null {
  return c.quantizer.kind === 'continuous' ? { p: c.quantizer.noiseSync, codeValues: c.codeLength * c.contextDim } : null
}

/**
 * The MSE phase of Table 4's "MSE-trained encoder": t = 1 and no CFG dropout, so x̂ = ε − v̂ regresses x from the code
 * alone and the flow loss is exactly MSE(x̂, x).
 */
export function regressionDraw(d: FlowDraw): FlowDraw {
  return { eps: d.eps, t: new Float32Array(d.t.length).fill(1), keep: new Float32Array(d.keep.length).fill(1) }
}
