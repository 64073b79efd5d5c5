// What each 1-D token controls: replace token i's bits (the null code, random bits, or the same token of a second
// image's code), decode with the same noise as the unmodified code, and map where the image changes. Also token
// swap / mix between two codes. Works on any InferenceModel (onnxruntime or tfjs).
import type { InferenceModel } from '../inference/inference-model'
import type { SamplingConfig } from '../model/configs'
import { Rng } from '../data/rng'
import { initialNoise } from '../sample/noise'
import { ownerMap } from '../../shared/token-maps'

/** null: all bits 0 (the decoder's null code, as for guidance); random: ±1 seeded by (seed, token); other: a second code's token. */
export type TokenReplacement = 'null' | 'random' | 'other'

export interface TokenInfluenceOptions {
  readonly replacement: TokenReplacement
  readonly other?: Float32Array // [L, C] ±1 code of the second image, for 'other'
  readonly sampling: SamplingConfig
  readonly seed: number // noise z0 = initialNoise(seed, 0, S) for every decode; random bits seeded by (seed, token)
  readonly batch?: number // decodes per sampler call, default 8; results do not depend on it beyond float rounding
  readonly signal?: AbortSignal
  readonly onProgress?: (done: number, total: number) => void // tokens decoded
}

/** One token's influence summary: how much and where the decode moved when its bits were replaced. */
export interface TokenSummary {
  readonly token: number
  readonly meanAbs: number // mean over pixels of the map (|Δ| averaged over RGB, model range [−1, 1])
  readonly maxAbs: number
  readonly area: number // fraction of pixels whose |Δ| exceeds AREA_THRESHOLD
  readonly centroid: readonly [y: number, x: number] // |Δ|-weighted centre in pixels; [NaN, NaN] when nothing moved
  readonly deltaPsnr: number // PSNR(replaced decode vs base decode) in dB on [−1, 1]; Infinity when identical
}

export interface TokenInfluence {
  readonly L: number
  readonly C: number
  readonly S: number
  readonly base: Float32Array // [3, S, S] decode of the unmodified code, clipped to [−1, 1]
  readonly maps: Float32Array // [L, S, S] per-pixel |Δ| averaged over RGB
  readonly owner: Int32Array // [S·S] the token whose replacement moved the pixel most
  readonly tokens: readonly TokenSummary[]
}

export const AREA_THRESHOLD = 0.1 // |Δ| in model units (≈ 13 of 255 levels)

/** The code [L, C] with token `token` replaced. */
export function replaceToken(code: Float32Array, C: number, token: number, how: TokenReplacement, other?: Float32Array, seed = 0): Float32Array {
  const out = code.slice()
  const row = out.subarray(token * C, (token + 1) * C)
  if (how === 'null') row.fill(0)
  else if (how === 'other') row.set(other!.subarray(token * C, (token + 1) * C))
  else {
    const rng = Rng.fromSeed(seed, token)
    for (let c = 0; c < C; c++) row[c] = rng.nextFloat() < 0.5 ? -1 : 1
  }
  return out
}

/** Tokens in `fromA` from code A, the rest from code B (both [L, C]): the swap / mix of two images' codes. */
export function mixCodes(a: Float32Array, b: Float32Array, C: number, fromA: Iterable<number>): Float32Array {
  if (a.length !== b.length) throw new Error(`codes of different sizes (${a.length} and ${b.length} values) cannot be mixed`)
  const out = b.slice()
  for (const t of fromA) out.set(a.subarray(t * C, (t + 1) * C), t * C)
  return out
}

/** Decodes B codes [B, L, C] from the same noise (seed, index 0): images [B, 3, S, S] clipped to [−1, 1]. */
export async function decodeWithNoise(model: InferenceModel, codes: Float32Array, seed: number, sampling: SamplingConfig, signal?: AbortSignal): Promise<Float32Array> {
  const { imageSize: S, codeLength: L, contextDim: C } = model.config
  const batch = codes.length / (L * C)
  const noise = initialNoise(seed, 0, S)
  const z0 = new Float32Array(batch * noise.length)
  for (let b = 0; b < batch; b++) z0.set(noise, b * noise.length)
  const { images } = await model.decode(codes, z0, batch, { sampling, signal })
  return images.map((v) => Math.min(1, Math.max(-1, v)))
}

/** Per-pixel |a − b| averaged over RGB: [S·S] from two [3, S, S] images. */
export function changeMap(a: Float32Array, b: Float32Array, S: number): Float32Array {
  const hw = S * S
  const out = new Float32Array(hw)
  for (let c = 0; c < 3; c++) for (let i = 0; i < hw; i++) out[i] += Math.abs(a[c * hw + i] - b[c * hw + i]) / 3
  return out
}

/** Replaces each of the L tokens in turn and maps the change against the unmodified code's decode. */
export async function tokenInfluence(model: InferenceModel, code: Float32Array, o: TokenInfluenceOptions): Promise<TokenInfluence> {
  const { imageSize: S, codeLength: L, contextDim: C } = model.config
  if (o.replacement === 'other' && o.other?.length !== L * C) throw new Error(`replacing by a second image's tokens needs its ${L} × ${C} code`)
  const base = await decodeWithNoise(model, code, o.seed, o.sampling, o.signal)
  const maps = new Float32Array(L * S * S)
  const tokens: TokenSummary[] = []
  const batch = o.batch ?? 8
  for (let first = 0; first < L; first += batch) {
    o.signal?.throwIfAborted()
    const n = Math.min(batch, L - first)
    const codes = new Float32Array(n * L * C)
    for (let i = 0; i < n; i++) codes.set(replaceToken(code, C, first + i, o.replacement, o.other, o.seed), i * L * C)
    const images = await decodeWithNoise(model, codes, o.seed, o.sampling, o.signal)
    for (let i = 0; i < n; i++) {
      const image = images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S)
      const map = changeMap(image, base, S)
      maps.set(map, (first + i) * S * S)
      tokens.push(summarise(first + i, map, image, base, S))
    }
    o.onProgress?.(first + n, L)
  }
  return { L, C, S, base, maps, owner: ownerMap(maps, L, S), tokens }
}

function summarise(token: number, map: Float32Array, image: Float32Array, base: Float32Array, S: number): TokenSummary {
  let sum = 0, max = 0, over = 0, cy = 0, cx = 0
  for (let i = 0; i < map.length; i++) {
    const v = map[i]
    sum += v
    max = Math.max(max, v)
    if (v > AREA_THRESHOLD) over++
    cy += v * Math.floor(i / S)
    cx += v * (i % S)
  }
  let se = 0
  for (let i = 0; i < image.length; i++) se += (image[i] - base[i]) ** 2
  const deltaPsnr = se === 0 ? Infinity : 10 * Math.log10(4 / (se / image.length)) // peak-to-peak 2 on [−1, 1]
  const centroid: [number, number] = sum > 0 ? [cy / sum, cx / sum] : [NaN, NaN]
  return { token, meanAbs: sum / map.length, maxAbs: max, area: over / map.length, centroid, deltaPsnr }
}
