// Encode an opened image once, and decode codes with a chosen noise: z0 = initialNoise(seed, 0, S), so two decodes
// with the same seed start from the same noise and differ only by their codes (bit flips) or not at all.
import type { DecodeRequest } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import { initialNoise } from '../sample/noise'
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

/** Decodes B codes ([B, L, C] concatenated), every one from the same noise of `seed`: B images CHW, concatenated. */
export async function decodeSameNoise(
  opened: OpenedModel, codes: Float32Array, req: Pick<DecodeRequest, 'sampling' | 'seed'>, opts: DecodeOptions = {},
): Promise<{ images: Float32Array; nfe: number }> {
  const { imageSize: S, codeLength: L, contextDim: C } = opened.model.config
  const batch = codes.length / (L * C)
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`codes hold ${codes.length} values, not a multiple of L·C = ${L * C}`)
  const noise = initialNoise(req.seed, 0, S)
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
