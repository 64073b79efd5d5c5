// The rectified-flow sampler: explicit Euler from t = 1 (noise) to 0 (data) with classifier-free guidance inside
// an interval. Port of flowmo/models.py `rf_sample` as `FlowMo.reconstruct` calls it (Flux sampling.py `denoise`).
import type { Ops } from '../model/ops'
import type { SamplingConfig } from '../model/configs'
import { cfgIntervalT, getSchedule } from './schedule'

/** The few tensor ops the sampler needs, plus `release` for backends that free memory by hand. */
export type SampleOps<T> = Pick<Ops<T>, 'add' | 'sub' | 'scale'> & { release(x: T): void }

/** v(z, codeIn, t) for one decoder call; t is the same for the whole batch. */
export type Velocity<T> = (z: T, codeIn: T, t: number) => Promise<T>

export interface SampleResult<T> {
  final: T // z after the last step, before clipping
  trajectory: T[] // z after each step (only when asked for)
  predicted: T[] // x̂₀ = z_t − t·v̂ before each step, v̂ the (guided) velocity it takes (only with the trajectory)
  ts: Float32Array
  dts: Float32Array
  cfgApplied: boolean[] // per step: the null-code call was made and guidance applied
  nfe: number // decoder calls
}

export interface SampleOptions {
  keepTrajectory?: boolean
  onStep?: (step: number, steps: number, t: number) => void
  signal?: AbortSignal
}

export async function rfSample<T>(
  o: SampleOps<T>, velocity: Velocity<T>, z0: T, codeIn: T, s: SamplingConfig, opts: SampleOptions = {},
): Promise<SampleResult<T>> {
  const { ts, dts } = getSchedule(s.steps, s.schedule)
  const [lo, hi] = cfgIntervalT(s.cfgInterval)
  const nullCode = o.scale(codeIn, 0) // all zeros, the constant-1 channel too
  const trajectory: T[] = []
  const predicted: T[] = []
  const cfgApplied: boolean[] = []
  let z = z0
  let nfe = 0
  for (let i = 0; i < dts.length; i++) {
    opts.signal?.throwIfAborted()
    const t = ts[i]
    let v: T = await velocity(z, codeIn, t)
    nfe++
    const guide = s.cfg !== 1.0 && lo <= t && t <= hi
    if (guide) {
      const vu: T = await velocity(z, nullCode, t)
      nfe++
      v = guided(o, v, vu, s.cfg)
    }
    cfgApplied.push(guide)
    if (opts.keepTrajectory) predicted.push(predictedClean(o, z, v, t))
    const step = o.scale(v, dts[i])
    const next = o.sub(z, step) // z ← z − dt·v
    o.release(step)
    o.release(v)
    if (!opts.keepTrajectory && z !== z0) o.release(z)
    z = next
    if (opts.keepTrajectory) trajectory.push(z)
    opts.onStep?.(i + 1, dts.length, t)
  }
  o.release(nullCode)
  return { final: z, trajectory, predicted, ts, dts, cfgApplied, nfe }
}

/** x̂₀ = z_t − t·v̂: where a straight path along v̂ would land at t = 0 (x_t = (1 − t)·x + t·ε, v = ε − x). */
function predictedClean<T>(o: SampleOps<T>, z: T, v: T, t: number): T {
  const step = o.scale(v, t)
  const x0 = o.sub(z, step)
  o.release(step)
  return x0
}

/** v = v_u + cfg·(v_c − v_u); releases both inputs. */
function guided<T>(o: SampleOps<T>, vc: T, vu: T, cfg: number): T {
  const diff = o.sub(vc, vu)
  const scaled = o.scale(diff, cfg)
  const v = o.add(vu, scaled)
  o.release(diff)
  o.release(scaled)
  o.release(vc)
  o.release(vu)
  return v
}
