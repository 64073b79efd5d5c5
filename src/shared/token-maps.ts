// Reading the L token influence maps ([L, S, S] per-pixel |Δ|, research/token-influence.ts): which token owns each
// pixel and which tokens move one pixel most. Shared: the engine writes the owner map, the inspector answers clicks.

/** For each pixel, the token whose map is largest there (the first on ties): [S·S]. */
export function ownerMap(maps: Float32Array, L: number, S: number): Int32Array {
  const hw = S * S
  const owner = new Int32Array(hw)
  for (let i = 0; i < hw; i++) {
    let best = 0
    for (let t = 1; t < L; t++) if (maps[t * hw + i] > maps[best * hw + i]) best = t
    owner[i] = best
  }
  return owner
}

/** The tokens that move pixel (y, x) most, largest first: [token, |Δ|]. */
export function tokensAt(maps: Float32Array, L: number, S: number, y: number, x: number, count = 5): [number, number][] {
  const i = y * S + x
  return Array.from({ length: L }, (_, t): [number, number] => [t, maps[t * S * S + i]]).sort((a, b) => b[1] - a[1]).slice(0, count)
}
