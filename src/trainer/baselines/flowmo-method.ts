// FlowMo itself (an opened model, onnxruntime or tfjs) as a compared method: RGB → [−1, 1] → encode → quantise → sample → RGB,
// with each image's noise keyed by the image and the seed (or by its index: `noise: 'index'`) as `flowmo reconstruct`
// does, so a result does not depend on batching, on folder position or on which images an interrupted export wrote.
import type { SamplingConfig } from '../model/configs'
import { fromModelOutput, toModelInput } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import type { NoiseKeying } from '../sample/noise'
import { commonSquareSize, type Method, type Reconstruction } from './method'

export interface FlowMoMethodOptions {
  readonly sampling?: Partial<SamplingConfig> // overrides of the config's sampler
  readonly seed?: number // noise seed, default 0
  readonly noise?: NoiseKeying // default 'image' (sample/noise.ts)
  readonly batch?: number // images per forward, default 4
  readonly id?: string // default 'flowmo'
  readonly label?: string // the user's name for this checkpoint, e.g. 'step-20k'; shown before the config name
}

export function flowmoMethod(model: InferenceModel, options: FlowMoMethodOptions = {}): Method {
  const S = model.config.imageSize
  const sampling = { ...model.config.sampling, ...options.sampling }
  const seed = options.seed ?? 0
  const noise = options.noise ?? 'image'
  const batch = options.batch ?? 4
  const bpp = model.info.bitsPerPixel
  if (bpp === null) throw new Error(`${model.info.checkpoint}: a continuous latent has no bits per pixel, so it cannot be compared at a matched bit rate`)
  return {
    id: options.id ?? 'flowmo',
    label: options.label === undefined ? `FlowMo ${model.config.name}` : `FlowMo ${options.label} (${model.config.name})`,
    settings: { checkpoint: model.info.checkpoint, config: model.config.name, ...sampling, seed, noise },
    bpp(imageSizePx) {
      if (imageSizePx !== S) throw new Error(`FlowMo ${model.config.name} takes ${S}×${S} images, not ${imageSizePx}×${imageSizePx}`)
      return bpp
    },
    async reconstruct(images, context = {}) {
      const size = commonSquareSize(images)
      if (images.length > 0 && size !== S) throw new Error(`FlowMo ${model.config.name} takes ${S}×${S} images, got ${size}×${size}`)
      const out: Reconstruction[] = []
      for (let first = 0; first < images.length; first += batch) {
        const firstIndex = (context.firstIndex ?? 0) + first
        const chunk = images.slice(first, first + batch)
        const x = new Float32Array(chunk.length * 3 * S * S)
        chunk.forEach((img, i) => x.set(toModelInput(img.rgb, S, S), i * 3 * S * S))
        const res = await model.reconstruct(x, chunk.length, { sampling, seed, noise, firstIndex, signal: context.signal })
        for (let i = 0; i < chunk.length; i++) {
          const rgb = fromModelOutput(res.images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S)
          out.push({ image: { rgb, h: S, w: S }, bpp, settings: { ...(noise === 'index' && { noiseIndex: firstIndex + i }), nfe: res.nfe } })
        }
      }
      return out
    },
    async dispose() {
      await model.dispose()
    },
  }
}
