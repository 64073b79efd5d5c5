// A − B for the A/B panes: of two images of one size (reconstructions, trajectory states) the per-pixel |A − B|
// averaged over RGB in [0, 1] pixel units; of two fields (the variance std maps) |a − b| itself. Each colour-mapped
// (inferno over [0, its max]) with its mean and max; also two fields on one shared scale so their colours compare.
import { heatPixels } from '../../../../shared/colour-maps'
import type { RgbPixels } from '../../../../shared/protocol'

export interface AbDifference {
  readonly field: Float32Array // [h·w]
  readonly map: RgbPixels
  readonly max: number
  readonly mean: number
}

function summarise(field: Float32Array, h: number, w: number): AbDifference {
  let [max, sum] = [0, 0]
  for (const v of field) (max = Math.max(max, v)), (sum += v)
  return { field, map: heatPixels(field, max, h, w), max, mean: sum / field.length }
}

/** null when the two images differ in size (models of different resolutions: no pixel-wise difference). */
export function abDifference(a: RgbPixels, b: RgbPixels): AbDifference | null {
  if (a.h !== b.h || a.w !== b.w) return null
  const field = new Float32Array(a.h * a.w)
  for (let i = 0; i < field.length; i++) {
    let d = 0
    for (let c = 0; c < 3; c++) d += Math.abs(a.pixels[i * 3 + c] - b.pixels[i * 3 + c])
    field[i] = d / (3 * 255)
  }
  return summarise(field, a.h, a.w)
}

/** |a − b| of two [h·w] fields; null when their sizes differ. */
export function fieldDifference(a: Float32Array, b: Float32Array, h: number, w: number): AbDifference | null {
  return a.length === b.length ? summarise(Float32Array.from(a, (v, i) => Math.abs(v - b[i])), h, w) : null
}

/** Two fields colour-mapped over one scale [0, the larger max], so equal colours mean equal values. */
export function sharedScale(a: Float32Array, b: Float32Array, size: { a: number; b: number }): { a: RgbPixels; b: RgbPixels; max: number } {
  const max = Math.max(...[a, b].map((f) => f.reduce((m, v) => Math.max(m, v), 0)))
  return { a: heatPixels(a, max, size.a, size.a), b: heatPixels(b, max, size.b, size.b), max }
}
