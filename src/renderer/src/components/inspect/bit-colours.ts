// Cell colours of the L × C grids: bits (±1), per-bit balance (share of +1, 0.5 = white) and the sensitivity atlas
// (ΔPSNR, diverging around 0), with d3-scale-chromatic's RdBu as the diverging map.
import { interpolateRdBu } from 'd3-scale-chromatic'

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
  return Array.from(plusFraction, (f) => interpolateRdBu(1 - f)) // all +1 → red, all −1 → blue
}

/** ΔPSNR: worse (negative) red, better blue, scaled by the largest |Δ|; not evaluated grey. */
export function deltaColours(delta: Float32Array): { colours: string[]; maxAbs: number } {
  let maxAbs = 0
  for (const d of delta) if (Number.isFinite(d)) maxAbs = Math.max(maxAbs, Math.abs(d))
  const colours = Array.from(delta, (d) => (Number.isFinite(d) ? interpolateRdBu(0.5 + (maxAbs ? d / maxAbs : 0) / 2) : '#3a3f4c'))
  return { colours, maxAbs }
}
