// The inspector's token views: what each token controls (research/token-influence.ts tokenInfluence, drawn as the
// influence-atlas small multiples) and token swap / mix between two open images (mixCodes), each decoded from the
// noise (seed, index 0) as `flowmo token-map`, so a map here equals the CLI's for the same image, model and seed.
import type { MixTokensReport, MixTokensRequest, TokenMapReport, TokenMapRequest } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import { influenceAtlas } from '../research/influence-atlas'
import { decodeWithNoise, mixCodes, tokenInfluence } from '../research/token-influence'
import type { InspectContext, JobHooks } from './context'
import { codeOf } from './decode'
import { rgbPixels } from './pixel-stats'
import { samplingConfig } from './sampling'

function secondImage(id: string | undefined, what: string): string {
  if (id === undefined) throw new RpcError(`${what} needs a second image (otherImageId)`, 'invalid-request')
  return id
}

export async function tokenMap(ctx: InspectContext, req: TokenMapRequest, job: JobHooks): Promise<TokenMapReport> {
  const opened = ctx.models.get(req.modelId)
  const code = await codeOf(opened, ctx.images, req.imageId)
  const other = req.replacement === 'other' ? await codeOf(opened, ctx.images, secondImage(req.otherImageId, 'replacing by another image\'s tokens')) : undefined
  const inf = await tokenInfluence(opened.model, code, {
    replacement: req.replacement, other, sampling: samplingConfig(req.sampling), seed: req.seed, signal: job.signal,
    onProgress: (done, total) => job.progress(done, total, `${done}/${total} tokens`),
  })
  const atlas = influenceAtlas(inf)
  return {
    L: inf.L, C: inf.C, S: inf.S, base: rgbPixels(inf.base, inf.S), maps: inf.maps, owner: inf.owner, tokens: inf.tokens,
    atlas: { pixels: atlas.pixels, h: atlas.h, w: atlas.w, cols: atlas.cols, max: atlas.max }, replacement: req.replacement, path: opened.path,
  }
}

export async function mixTokens(ctx: InspectContext, req: MixTokensRequest, job: JobHooks): Promise<MixTokensReport> {
  const opened = ctx.models.get(req.modelId)
  const { imageSize: S, codeLength: L, contextDim: C } = opened.model.config
  const outside = req.fromA.find((t) => t >= L)
  if (outside !== undefined) throw new RpcError(`token ${outside} is outside the model's ${L} tokens`, 'invalid-request')
  const a = await codeOf(opened, ctx.images, req.imageId)
  const b = await codeOf(opened, ctx.images, req.otherImageId)
  const codes = new Float32Array(3 * L * C)
  codes.set(a, 0)
  codes.set(b, L * C)
  codes.set(mixCodes(a, b, C, req.fromA), 2 * L * C)
  job.progress(0, 1, 'decoding A, B and the mix')
  const images = await decodeWithNoise(opened.model, codes, req.seed, samplingConfig(req.sampling), job.signal)
  const at = (i: number) => rgbPixels(images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S)
  job.progress(1, 1, 'decoded')
  return { a: at(0), b: at(1), mixed: at(2), fromA: [...req.fromA], L, path: opened.path }
}
