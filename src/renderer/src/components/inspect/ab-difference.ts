// A − B of two reconstructions of one image (8-bit RGB of one size): the per-pixel |A − B| averaged over RGB in
// [0, 1] pixel units, colour-mapped (inferno over [0, its max]), with its mean and max.
import { heatPixels } from '../../../../shared/colour-maps'
import type { RgbPixels } from '../../../../shared/protocol'

export interface AbDifference {
  readonly field: Float32Array // [h·w] |A − B|, mean over RGB, 0–1
  readonly map: RgbPixels
  readonly max: number
  readonly mean: number
}

/** null when the two images differ in size (models of different resolutions: no pixel-wise difference). */
export function abDifference(a: RgbPixels, b: RgbPixels): AbDifference | null {
  if (a.h !== b.h || a.w !== b.w) return null
  const field = new Float32Array(a.h * a.w)
  let [max, sum] = [0, 0]
  for (let i = 0; i < field.length; i++) {
    let d = 0
    for (let c = 0; c < 3; c++) d += Math.abs(a.pixels[i * 3 + c] - b.pixels[i * 3 + c])
    field[i] = d / (3 * 255)
    max = Math.max(max, field[i])
    sum += field[i]
  }
  return { field, map: heatPixels(field, max, a.h, a.w), max, mean: sum / field.length }
}
