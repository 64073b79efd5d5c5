// Cell colours of the L × C grids: bits (±1), per-bit balance (share of +1, 0.5 = white) and the sensitivity atlas
// (ΔPSNR, diverging around 0). Red/blue means one thing only, quality (RdBu: red = PSNR drops); the balance uses
// PuOr (purple = mostly −1, orange = mostly +1). The legends sample the same maps.
import { interpolatePuOr, interpolateRdBu } from 'd3-scale-chromatic'

/** n colours from t = 0 to 1 of a map: a legend's gradient. */
export const sampled = (interpolate: (t: number) => string, n = 11): string[] => Array.from({ length: n }, (_, i) => interpolate(i / (n - 1)))

export const atlasLegendColours = sampled(interpolateRdBu)
export const balanceLegendColours = sampled(interpolatePuOr)

export function bitColours(bits: ArrayLike<number>): string[] {
  return Array.from(bits, (b) => (b > 0 ? '#e8ecf5' : '#1f2433'))
}

/** Code values that are not bits (FSQ levels, continuous latents): diverging around 0, scaled by the largest |v|. */
export function valueColours(values: ArrayLike<number>): { colours: string[]; maxAbs: number } {
  let maxAbs = 0
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]))
  return { colours: Array.from(values, (v) => interpolateRdBu(0.5 - (maxAbs ? v / maxAbs : 0) / 2)), maxAbs } // + red, − blue
}

export function balanceColours(plusFraction: Float32Array): string[] {
  return Array.from(plusFraction, (f) => interpolatePuOr(f)) // all −1 → purple, balanced → white, all +1 → orange
}

/** ΔPSNR: worse (negative) red, better blue, scaled by the largest |Δ|; not evaluated grey. */
export function deltaColours(delta: Float32Array): { colours: string[]; maxAbs: number } {
  let maxAbs = 0
  for (const d of delta) if (Number.isFinite(d)) maxAbs = Math.max(maxAbs, Math.abs(d))
  const colours = Array.from(delta, (d) => (Number.isFinite(d) ? interpolateRdBu(0.5 + (maxAbs ? d / maxAbs : 0) / 2) : '#3a3f4c'))
  return { colours, maxAbs }
}
