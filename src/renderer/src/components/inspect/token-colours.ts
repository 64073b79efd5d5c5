// The token views' helpers: a distinct colour per token (hues a golden angle apart), the owner map drawn with them,
// and the "chosen set" text of token mix ("0-7, 12") read as token indices.
import type { RgbPixels } from '../../../../shared/protocol'

/** RGB of token t: hue t · 137.5°, saturation 0.65, lightness alternating 0.45 / 0.6 so neighbours differ twice. */
export function tokenColour(t: number): [number, number, number] {
  const h = (t * 137.508) % 360
  const [s, l] = [0.65, t % 2 ? 0.6 : 0.45]
  const k = (n: number) => (n + h / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))))
  return [f(0), f(8), f(4)]
}

export const tokenCss = (t: number): string => `rgb(${tokenColour(t).join(' ')})`

/** The owner map [S·S] as RGB pixels, each pixel in its owner's colour. */
export function ownerPixels(owner: Int32Array, S: number): RgbPixels {
  const pixels = new Uint8Array(S * S * 3)
  owner.forEach((t, i) => pixels.set(tokenColour(t), i * 3))
  return { pixels, h: S, w: S }
}

/** "0-7, 12" → [0, …, 7, 12] (sorted, distinct); throws naming the first part that is not a token of 0..L−1. */
export function parseTokenSet(text: string, L: number): number[] {
  const out = new Set<number>()
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part)
    const [lo, hi] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN]
    if (!m || lo > hi || hi >= L) throw new Error(`"${part}" is not a token or range of tokens 0–${L - 1}`)
    for (let t = lo; t <= hi; t++) out.add(t)
  }
  return [...out].sort((a, b) => a - b)
}
