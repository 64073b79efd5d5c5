// Encode an opened image once, and decode codes with the image's own noise for a seed (sample/noise.ts, keyed by the
// image's content as eval, sweeps and compare key it), so two decodes with the same seed start from the same noise and
// differ only by their codes (bit flips) or not at all, and match the image's reconstruction everywhere else.
import type { DecodeRequest } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import { imageIdentity, imageNoise } from '../sample/noise'
import type { ImageRegistry } from './image-registry'
import type { OpenedModel } from './model-registry'
import { sampleCodes } from './sample-codes'
import { samplingConfig } from './sampling'

export interface DecodeOptions {
  readonly signal?: AbortSignal
  readonly onStep?: (step: number, steps: number) => void
}

/** The image's ±1 code [L, C] under the model, encoded on first use. */
export async function codeOf(opened: OpenedModel, images: ImageRegistry, imageId: string): Promise<Float32Array> {
  const cached = opened.codes.get(imageId)
  if (cached) return cached
  const x = images.modelInput(imageId, opened.model.config.imageSize)
  const { code } = await opened.model.encode(x, 1)
  opened.codes.set(imageId, code)
  return code
}

/** z0 [3, S, S] of an opened image for `seed`: the noise this image gets in eval, sweeps, compare and ratings. */
export function noiseOfImage(opened: OpenedModel, images: ImageRegistry, imageId: string, seed: number): Float32Array {
  const S = opened.model.config.imageSize
  return imageNoise(seed, imageIdentity(images.modelInput(imageId, S)), S)
}

/** Decodes B codes ([B, L, C] concatenated), every one from the same noise z0 [3, S, S]: B images CHW, concatenated. */
export async function decodeSameNoise(
  opened: OpenedModel, codes: Float32Array, noise: Float32Array, req: Pick<DecodeRequest, 'sampling'>, opts: DecodeOptions = {},
): Promise<{ images: Float32Array; nfe: number }> {
  const { codeLength: L, contextDim: C } = opened.model.config
  const batch = codes.length / (L * C)
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`codes hold ${codes.length} values, not a multiple of L·C = ${L * C}`)
  const z0 = new Float32Array(batch * noise.length)
  for (let b = 0; b < batch; b++) z0.set(noise, b * noise.length)
  const { images, nfe } = await sampleCodes(opened, codes, z0, batch, samplingConfig(req.sampling), opts)
  return { images, nfe }
}

/** Rejects (token, bit) pairs outside the model's L × C code. */
export function checkBit(opened: OpenedModel, token: number, bit: number): void {
  const { codeLength: L, contextDim: C } = opened.model.config
  if (token >= L || bit >= C) throw new RpcError(`bit (token ${token}, bit ${bit}) is outside the ${L} × ${C} code`, 'invalid-request')
}

/** The code with each listed (token, bit) negated; flipping a bit twice restores it. */
export function flipCode(code: Float32Array, C: number, flips: readonly { token: number; bit: number }[]): Float32Array {
  const out = code.slice()
  for (const { token, bit } of flips) out[token * C + bit] = -out[token * C + bit]
  return out
}
