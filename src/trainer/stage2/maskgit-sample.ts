// MaskGiT iterative decoding as TiTok's `ImageBert.generate` (bytedance/1d-tokenizer modeling/maskgit.py): S steps from
// all-masked; at step s (r = (s+1)/S) pick argmax(logits/τ_soft + τ·Gumbel) at masked sub-tokens with τ = randomize·(1 − r),
// then re-mask the floor(N·acos(r)/(π/2)) least confident (confidence = chosen logit + τ·Gumbel, +∞ for fixed ones).
// Guidance: cond + cfg·(cond − uncond), cfg linear (0, then r·scale after each step) or constant. Temperature 0 is argmax.
import * as tf from '@tensorflow/tfjs-core'
import { Rng } from '../data/rng'
import { TfOps } from '../model/tf-ops'
import { arccosRatio, maskedBits } from './masking'
import type { ImageBert } from './maskgit'
import type { TokenLayout } from './tokens'
import { classOneHot } from './train-generator'

export interface MaskGitSampling {
  readonly steps: number // S, e.g. 8 (TiTok), 12 if T > 64
  readonly randomizeTemperature: number // τ₀ of the Gumbel noise, e.g. 2; 0 = deterministic
  readonly softmaxAnnealing: boolean // logits /= 0.5 + 0.8·(1 − r) (on in TiTok's eval script)
  readonly guidanceScale: number // 0 = no guidance
  readonly guidanceSchedule: 'linear' | 'constant'
  readonly seed: number
}

export const DEFAULT_MASKGIT_SAMPLING: MaskGitSampling = { steps: 8, randomizeTemperature: 2, softmaxAnnealing: true, guidanceScale: 0, guidanceSchedule: 'linear', seed: 0 }

export interface SampleOptions {
  readonly firstIndex?: number // sample i's noise is seeded by (seed, firstIndex + i), whatever the batch
  /** After each step: the ids so far, with the mask id V where a sub-token is still masked. */
  readonly onStep?: (step: number, ids: Int32Array) => void
}

/** Gumbel(0, 1) draws: −log(−log u). */
function gumbel(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => -Math.log(-Math.log(Math.min(Math.max(rng.nextFloat(), 1e-20), 1 - 1e-7))))
}

/** Logits [B, N, V] for the current ids, guided when cfg ≠ 0 (sync point: read back once per step). */
async function stepLogits(model: ImageBert, o: TfOps, ids: Int32Array, masks: Uint8Array, labels: Int32Array, layout: TokenLayout, cfg: number, guided: boolean): Promise<Float32Array> {
  const B = labels.length
  const { positions: T, subTokens: F, bitsPerSubToken: G } = layout
  const out = tf.tidy(() => {
    const bits = tf.tensor3d(maskedBits(ids, masks, B, layout), [B, T, F * G])
    const cond = model.forward(o, bits, classOneHot(labels, model.params.classes))
    if (!guided) return cond
    const uncond = model.forward(o, bits, classOneHot(new Int32Array(B).fill(model.params.classes), model.params.classes))
    return tf.add(cond, tf.mul(tf.sub(cond, uncond), cfg))
  })
  const data = (await out.data()) as Float32Array
  out.dispose()
  return data
}

/** Samples B token sequences [B, T·F] of class `labels` with the EMA weights in `weights`. */
export async function sampleMaskGit(model: ImageBert, weights: ReadonlyMap<string, tf.Tensor>, labels: Int32Array, layout: TokenLayout, s: MaskGitSampling, opts: SampleOptions = {}): Promise<Int32Array> {
  const B = labels.length
  const N = layout.positions * layout.subTokens
  const V = layout.vocabulary
  const o = new TfOps(weights)
  const ids = new Int32Array(B * N).fill(V) // V = mask
  const rngs = Array.from({ length: B }, (_, b) => Rng.fromSeed(s.seed, (opts.firstIndex ?? 0) + b, 21))
  let cfg = s.guidanceSchedule === 'linear' ? 0 : s.guidanceScale
  for (let step = 0; step < s.steps; step++) {
    const r = (step + 1) / s.steps
    const tau = s.randomizeTemperature * (1 - r)
    const masks = Uint8Array.from(ids, (id) => (id === V ? 1 : 0))
    const logits = await stepLogits(model, o, ids, masks, labels, layout, cfg, s.guidanceScale !== 0)
    if (s.guidanceScale !== 0 && s.guidanceSchedule === 'linear') cfg = r * s.guidanceScale
    const softTemp = s.softmaxAnnealing ? 0.5 + 0.8 * (1 - r) : 1
    for (let b = 0; b < B; b++) {
      const noise = gumbel(N * V, rngs[b])
      const confNoise = gumbel(N, rngs[b])
      const sampled = new Int32Array(N)
      const confidence = new Float64Array(N)
      for (let i = 0; i < N; i++) {
        const at = (b * N + i) * V
        if (ids[b * N + i] !== V) {
          sampled[i] = ids[b * N + i]
          confidence[i] = Infinity
          continue
        }
        let best = 0
        let bestScore = -Infinity
        for (let v = 0; v < V; v++) {
          const score = logits[at + v] / softTemp + tau * noise[i * V + v]
          if (score > bestScore) [best, bestScore] = [v, score]
        }
        sampled[i] = best
        confidence[i] = logits[at + best] / softTemp + tau * confNoise[i]
      }
      const stillMasked = masks.subarray(b * N, (b + 1) * N).reduce((a, m) => a + m, 0)
      const keepMasked = Math.max(1, Math.min(stillMasked - 1, Math.floor(N * arccosRatio(r))))
      const cutOff = Float64Array.from(confidence).sort()[keepMasked - 1]
      for (let i = 0; i < N; i++) ids[b * N + i] = step < s.steps - 1 && confidence[i] <= cutOff ? V : sampled[i]
    }
    opts.onStep?.(step, Int32Array.from(ids))
  }
  return ids
}
