// Sensitivity atlas: flip each bit of the code alone (or a subset spread over tokens and bit positions) and decode with the same noise;
// ΔPSNR (and ΔLPIPS with weights) against the unflipped decode's, per (token, bit). Decodes run in batches.
import type { BitAtlasReport, BitAtlasRequest } from '../../shared/payloads/inspect'
import type { InspectContext, JobHooks } from './context'
import { codeOf, decodeSameNoise, flipCode, noiseOfImage } from './decode'
import { psnrEach } from './image-metrics'

const BATCH = 8

/** Indices token·C + bit to flip: all L·C, or `subset` of them with every bit position taken in turn (so a subset of at
 * least C covers every bit row) and the tokens spread evenly over the code. */
export function atlasBits(L: number, C: number, subset?: number): number[] {
  const n = Math.min(L * C, subset ?? L * C)
  if (n === L * C) return Array.from({ length: n }, (_, i) => i)
  const picked = new Set<number>()
  for (let i = 0; i < n; i++) picked.add(Math.floor((i * L) / n) * C + (i % C))
  for (let j = 0; picked.size < n; j++) picked.add(j) // cells that came out twice are replaced by the first free ones
  return [...picked].sort((a, b) => a - b)
}

export async function bitAtlas(ctx: InspectContext, req: BitAtlasRequest, job: JobHooks): Promise<BitAtlasReport> {
  const opened = ctx.models.get(req.modelId)
  const { imageSize: S, codeLength: L, contextDim: C } = opened.model.config
  const original = ctx.images.modelInput(req.imageId, S)
  const code = await codeOf(opened, ctx.images, req.imageId)
  const noise = noiseOfImage(opened, ctx.images, req.imageId, req.seed)
  const base = (await decodeSameNoise(opened, code, noise, req, { signal: job.signal })).images
  const basePsnr = psnrEach(base, original, S)[0]
  const baseLpips = (await ctx.lpips.each(base, original, S))?.[0] ?? null
  const bits = atlasBits(L, C, req.subset)
  const deltaPsnr = new Float32Array(L * C).fill(NaN)
  const deltaLpips = baseLpips === null ? null : new Float32Array(L * C).fill(NaN)
  for (let start = 0; start < bits.length; start += BATCH) {
    const chunk = bits.slice(start, start + BATCH)
    const codes = new Float32Array(chunk.length * code.length)
    chunk.forEach((b, i) => codes.set(flipCode(code, C, [{ token: Math.floor(b / C), bit: b % C }]), i * code.length))
    const { images } = await decodeSameNoise(opened, codes, noise, req, { signal: job.signal })
    psnrEach(images, original, S).forEach((p, i) => (deltaPsnr[chunk[i]] = p - basePsnr))
    if (deltaLpips) (await ctx.lpips.each(images, original, S))?.forEach((d, i) => (deltaLpips[chunk[i]] = d - baseLpips!))
    job.progress(start + chunk.length, bits.length, `${start + chunk.length}/${bits.length} bits`)
  }
  return { L, C, deltaPsnr, deltaLpips, basePsnr, evaluated: bits.length, path: opened.path }
}
