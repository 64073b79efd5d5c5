// The random draws of one training step (t, ε, CFG dropout, Stage-1B z₀ and chain grids), each chunk on its own
// stream keyed by (seed, step, chunk): a resumed run draws exactly what an uninterrupted one would.
import { Rng } from '../data/rng'
import type { RandomSource, TimeDistribution } from '../losses/rectified-flow'
import { sampleTimes } from '../losses/rectified-flow'
import { gaussianNoise } from '../sample/noise'

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
  readonly t: Float32Array
  readonly keep: Float32Array
}

/** Stage-1B extras: the chain's start z₀ [B,3,S,S] and k+1 uniforms per sample for its time grid. */
export interface ChainDraw {
  readonly z0: Float32Array
  readonly u: Float32Array
}

export function drawFlow(r: StepRandom, batch: number, imageSize: number, dist: TimeDistribution, cfgDropout: number): FlowDraw {
  const t = sampleTimes(dist, batch, r)
  const keep = Float32Array.from({ length: batch }, () => (r.uniform() < cfgDropout ? 0 : 1))
  const eps = r.gaussian(batch * 3 * imageSize * imageSize)
  return { eps, t, keep }
}

export function drawChain(r: StepRandom, batch: number, imageSize: number, k: number): ChainDraw {
  const u = Float32Array.from({ length: batch * (k + 1) }, () => r.uniform())
  return { z0: r.gaussian(batch * 3 * imageSize * imageSize), u }
}
