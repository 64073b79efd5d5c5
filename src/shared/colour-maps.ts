// Scalar fields → RGB for the views: inferno (|error|, std, sensitivity) from d3-scale-chromatic, sampled into a
// 256-entry lookup table. Values are scaled over [0, max]; NaN shows as mid grey. Shared: the engine colours its maps
// with it, and the renderer re-colours a field on a fixed scale the user picks.
import { interpolateInferno } from 'd3-scale-chromatic'
import type { RgbPixels } from './payloads/inspect'

export type ColourMapName = 'inferno'

const NAN_GREY = 96

function lookupTable(interpolate: (t: number) => string): Uint8Array {
  const lut = new Uint8Array(256 * 3)
  for (let i = 0; i < 256; i++) {
    const hex = interpolate(i / 255) // "#rrggbb"
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = parseInt(hex.slice(1 + 2 * c, 3 + 2 * c), 16)
  }
  return lut
}

const tables: Record<ColourMapName, Uint8Array> = { inferno: lookupTable(interpolateInferno) }

/** values [n] → RGB [n, 3]: 0 → the map's start, ≥ max → its end. */
export function colourMap(values: ArrayLike<number>, max: number, name: ColourMapName = 'inferno'): Uint8Array {
  const lut = tables[name]
  const rgb = new Uint8Array(values.length * 3)
  const scale = max > 0 ? 255 / max : 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (Number.isNaN(v)) {
      rgb.fill(NAN_GREY, i * 3, i * 3 + 3)
      continue
    }
    const k = Math.min(255, Math.max(0, Math.round(v * scale))) * 3
    rgb[i * 3] = lut[k]
    rgb[i * 3 + 1] = lut[k + 1]
    rgb[i * 3 + 2] = lut[k + 2]
  }
  return rgb
}

/** A [h·w] field as a colour-mapped image over [0, max]. */
export function heatPixels(values: Float32Array, max: number, h: number, w: number): RgbPixels {
  return { pixels: colourMap(values, max), h, w }
}
