// The unmasking timeline of one generated sample: after each MaskGiT step, which sub-tokens are committed (and at which
// step each was), and the image the tokenizer decodes from that partial code — masked sub-tokens' bits are 0, the
// decoder's null code (architecture.md "Numerics"). Sample i uses the streams of (seed, i), so its last frame is the
// grid's sample i.
import { fromModelOutput } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import type { SamplingConfig } from '../model/configs'
import { initialNoiseBatch } from '../sample/noise'
import type { LoadedGenerator } from './generate'
import { sampleMaskGit, type MaskGitSampling } from './maskgit-sample'
import { maskedBits } from './masking'

export interface UnmaskingTimeline {
  readonly index: number // the sample's index in the grid
  readonly committedAt: Int16Array // [T·F]: the step (0-based) after which each sub-token is fixed
  readonly frames: Uint8Array[] // per step: RGB [S, S, 3] decoded from the code as it stands after that step
  readonly sizePx: number
}

export async function unmaskingTimeline(tokenizer: InferenceModel, gen: LoadedGenerator, index: number, classIndex: number | null, sampling: MaskGitSampling, decoder: Partial<SamplingConfig>): Promise<UnmaskingTimeline> {
  const { layout } = gen
  const V = layout.vocabulary
  const S = tokenizer.config.imageSize
  const states: Int32Array[] = [] // ids after each step, V where still masked
  const labels = Int32Array.of(gen.label(index, classIndex))
  await sampleMaskGit(gen.model, gen.weights, labels, layout, sampling, { firstIndex: index, onStep: (_, ids) => states.push(ids) })
  const committedAt = new Int16Array(states[0].length).fill(-1)
  states.forEach((ids, step) => ids.forEach((id, i) => id !== V && committedAt[i] < 0 && (committedAt[i] = step)))
  // every partial code in one batch, all with the sample's own decoder noise
  const steps = states.length
  const code = new Float32Array(steps * layout.positions * layout.subTokens * layout.bitsPerSubToken)
  states.forEach((ids, s) => code.set(maskedBits(ids, Uint8Array.from(ids, (id) => (id === V ? 1 : 0)), 1, layout), s * (code.length / steps)))
  const noise = initialNoiseBatch(sampling.seed, index, 1, S)
  const z0 = new Float32Array(steps * noise.length)
  for (let s = 0; s < steps; s++) z0.set(noise, s * noise.length)
  const { images } = await tokenizer.decode(code, z0, steps, { sampling: decoder })
  const frames = Array.from({ length: steps }, (_, s) => fromModelOutput(images.subarray(s * 3 * S * S, (s + 1) * 3 * S * S), S, S))
  return { index, committedAt, frames, sizePx: S }
}
