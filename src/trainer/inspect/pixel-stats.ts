// Per-pixel comparisons of model-side images (CHW float32 in [−1, 1]), in [0, 1] pixel units: |a − b| and the
// standard deviation over samples, each averaged over the three channels.
import type { RgbPixels } from '../../shared/payloads/inspect'
import { fromModelOutput } from '../data/images'

/** |a − b| / 2 per pixel, mean over channels: [h·w] in [0, 1] (values are clipped to [−1, 1] first). */
export function absDiffMap(a: Float32Array, b: Float32Array, hw: number): Float32Array {
  if (a.length !== 3 * hw || b.length !== 3 * hw) throw new Error(`expected 3×${hw} values, got ${a.length} and ${b.length}`)
  const out = new Float32Array(hw)
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) out[i] += Math.abs(clip(a[c * hw + i]) - clip(b[c * hw + i])) / 6
  }
  return out
}

/** Per-pixel population std over samples (each CHW [3·hw]) in [0, 1] units, averaged over channels, and their mean. */
export function sampleStats(samples: readonly Float32Array[], hw: number): { mean: Float32Array; std: Float32Array } {
  const k = samples.length
  const mean = new Float32Array(3 * hw)
  for (const x of samples) for (let i = 0; i < 3 * hw; i++) mean[i] += clip(x[i]) / k
  const std = new Float32Array(hw)
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      let v = 0
      for (const x of samples) v += (clip(x[c * hw + i]) - mean[c * hw + i]) ** 2
      std[i] += Math.sqrt(v / k) / 2 / 3 // [−1, 1] → [0, 1] units, mean over channels
    }
  }
  return { mean, std }
}

export function maxOf(values: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i]
  return m
}

export function meanOf(values: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]
  return values.length ? s / values.length : 0
}

const clip = (v: number): number => Math.min(1, Math.max(-1, v))

/** A model output CHW [3, S, S] as 8-bit RGB for the wire. */
export function rgbPixels(chw: Float32Array, S: number): RgbPixels {
  return { pixels: fromModelOutput(chw, S, S), h: S, w: S }
}
