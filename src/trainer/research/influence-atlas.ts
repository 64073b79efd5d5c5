// The L influence maps as one small-multiples image: tiles of S × S in a grid of ⌈√L⌉ columns, token 0 top left,
// one colour scale (inferno over [0, the largest change of any token]) so tiles compare, 1-px dark gaps.
import { colourMap } from '../../shared/colour-maps'
import type { TokenInfluence } from './token-influence'

const GAP_RGB = [24, 28, 36] as const

export interface AtlasImage {
  readonly pixels: Uint8Array // RGB [h, w, 3]
  readonly h: number
  readonly w: number
  readonly cols: number
  readonly max: number // the |Δ| drawn at the top of the scale
}

export function influenceAtlas(inf: Pick<TokenInfluence, 'L' | 'S' | 'maps'>, cols = Math.ceil(Math.sqrt(inf.L))): AtlasImage {
  const { L, S, maps } = inf
  const rows = Math.ceil(L / cols)
  const [h, w] = [rows * (S + 1) - 1, cols * (S + 1) - 1]
  const pixels = new Uint8Array(h * w * 3)
  for (let i = 0; i < h * w; i++) pixels.set(GAP_RGB, i * 3)
  const max = maps.reduce((m, v) => Math.max(m, v), 0)
  for (let t = 0; t < L; t++) {
    const tile = colourMap(maps.subarray(t * S * S, (t + 1) * S * S), max)
    const [y0, x0] = [Math.floor(t / cols) * (S + 1), (t % cols) * (S + 1)]
    for (let y = 0; y < S; y++) pixels.set(tile.subarray(y * S * 3, (y + 1) * S * 3), ((y0 + y) * w + x0) * 3)
  }
  return { pixels, h, w, cols, max }
}
