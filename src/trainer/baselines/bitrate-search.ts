// Bit-rate matching for classic codecs: bisection over an integer quality parameter to the file size whose bits
// per pixel come closest to a target, then a small window around the crossing, since real encoders are only
// nearly monotone in quality (measured on 32² and 64² photos: sizes step down by up to 7 bytes, over at most 3 steps).

export interface QualityRange {
  readonly min: number // lowest quality tried, e.g. 1
  readonly max: number // highest, e.g. 100
}

export interface QualityProbe {
  readonly quality: number
  readonly bytes: number
  readonly bpp: number
}

export interface QualitySearch {
  readonly quality: number // the chosen quality
  readonly bytes: number
  readonly bpp: number // actual: bytes × 8 / pixels
  readonly targetBpp: number
  readonly belowFloor: boolean // the target is below every size found: the codec cannot go that low (headers)
  readonly aboveCeiling: boolean // the target is above every size found, even the highest quality
  readonly monotone: boolean // whether the probed sizes never shrank as quality rose
  readonly bracket: readonly [below: number | null, above: number | null] // the probed BPPs nearest the target on each side (≤, ≥)
  readonly probes: readonly QualityProbe[] // every encode made, by quality
}

export const fullQualityRange: QualityRange = { min: 1, max: 100 }

/** Bits per pixel of a file: bytes × 8 / (width × height). */
export function bitsPerPixel(bytes: number, pixels: number): number {
  if (!(pixels > 0)) throw new Error(`bits per pixel needs a positive pixel count, got ${pixels}`)
  return (bytes * 8) / pixels
}

/**
 * Finds the quality whose encoded size lands closest to `targetBpp`. `encodedBytes(q)` encodes at quality q (called
 * at most once per q). Bisection finds the lowest quality reaching the target, assuming size grows with quality;
 * then qualities within `window` of that crossing are probed too and the closest of all probes wins (ties: the
 * smaller file). On a monotone size curve this is the brute-force optimum.
 */
export async function searchQuality(
  encodedBytes: (quality: number) => Promise<number>,
  targetBpp: number,
  pixels: number,
  range: QualityRange = fullQualityRange,
  window = 4,
): Promise<QualitySearch> {
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min > range.max) {
    throw new Error(`quality range must be integers with min ≤ max, got ${range.min}..${range.max}`)
  }
  if (!(targetBpp > 0)) throw new Error(`target bits per pixel must be positive, got ${targetBpp}`)
  const sizes = new Map<number, number>()
  const bpp = async (q: number): Promise<number> => {
    if (!sizes.has(q)) sizes.set(q, await encodedBytes(q))
    return bitsPerPixel(sizes.get(q)!, pixels)
  }
  const crossing = await lowestReaching(bpp, targetBpp, range)
  for (let q = Math.max(range.min, crossing - window - 1); q <= Math.min(range.max, crossing + window); q++) await bpp(q)
  const probes = [...sizes].sort((a, b) => a[0] - b[0]).map(([quality, bytes]) => ({ quality, bytes, bpp: bitsPerPixel(bytes, pixels) }))
  const best = probes.reduce((a, p) => {
    const da = Math.abs(a.bpp - targetBpp)
    const dp = Math.abs(p.bpp - targetBpp)
    return dp < da || (dp === da && p.bytes < a.bytes) ? p : a
  })
  return {
    quality: best.quality, bytes: best.bytes, bpp: best.bpp, targetBpp,
    belowFloor: probes.every((p) => p.bpp > targetBpp),
    aboveCeiling: probes.every((p) => p.bpp < targetBpp),
    monotone: probes.every((p, i) => i === 0 || p.bytes >= probes[i - 1].bytes),
    bracket: bracketOf(probes.map((p) => p.bpp), targetBpp),
    probes,
  }
}

/** The values nearest the target from below (≤) and from above (≥); null on a side with none. */
function bracketOf(bpps: readonly number[], targetBpp: number): [number | null, number | null] {
  const below = bpps.filter((b) => b <= targetBpp)
  const above = bpps.filter((b) => b >= targetBpp)
  return [below.length ? Math.max(...below) : null, above.length ? Math.min(...above) : null]
}

/** Bisection: the lowest quality whose size reaches the target, under the monotone assumption (max if none does). */
async function lowestReaching(bpp: (q: number) => Promise<number>, targetBpp: number, range: QualityRange): Promise<number> {
  if ((await bpp(range.min)) >= targetBpp) return range.min
  if ((await bpp(range.max)) < targetBpp) return range.max
  let lo = range.min // bpp(lo) < target
  let hi = range.max // bpp(hi) ≥ target
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((await bpp(mid)) >= targetBpp) hi = mid
    else lo = mid
  }
  return hi
}
