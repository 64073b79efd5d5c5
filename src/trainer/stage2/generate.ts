// `flowmo generate`'s work: sample token sequences from a Stage-2 run's EMA weights (maskgit-sample.ts), turn them into
// ±1 codes and decode them with the tokenizer; returns uint8 RGB images and the protocol card of the generation.
import * as tf from '@tensorflow/tfjs-core'
import { fromModelOutput } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import type { SamplingConfig } from '../model/configs'
import { initialNoiseBatch } from '../sample/noise'
import { loadGeneratorCheckpoint } from './generator-checkpoint'
import { ImageBert } from './maskgit'
import { sampleMaskGit, type MaskGitSampling } from './maskgit-sample'
import { indicesToBits, tokenLayout } from './tokens'
import { readGeneratorRun } from './train-generator'

export interface GenerateOptions {
  readonly run: string
  readonly n: number
  readonly classIndex: number | null // null: sample i gets class i mod K
  readonly sampling: MaskGitSampling
  readonly decoder: Partial<SamplingConfig> // the tokenizer's sampler (steps, ρ, CFG …)
  readonly batch: number
  readonly onBatch?: (done: number, total: number) => void
}

export interface GeneratedImages {
  readonly rgb: Uint8Array[] // [S, S, 3] each
  readonly sizePx: number
  readonly ids: Int32Array // [N, T·F]
  readonly card: Record<string, unknown>
}

export async function generateImages(tokenizer: InferenceModel, opts: GenerateOptions): Promise<GeneratedImages> {
  const run = await readGeneratorRun(opts.run)
  const ck = await loadGeneratorCheckpoint(opts.run)
  const model = new ImageBert(ck.params)
  const { imageSize: S, codeLength: L, contextDim: C, codebookSizeForEntropy: G } = tokenizer.config
  if (L !== ck.params.positions || C !== ck.params.bitsPerToken) throw new Error(`the generator was trained on ${ck.params.positions} tokens × ${ck.params.bitsPerToken} bits; this tokenizer has ${L} × ${C}`)
  const layout = tokenLayout(L, C, G)
  const shapes = new Map(model.parameters().map((r) => [r.name, r.shape]))
  const weights = new Map([...ck.ema].map(([k, v]) => [k, tf.tensor(v, [...shapes.get(k)!])]))
  const K = ck.params.classes
  const rgb: Uint8Array[] = []
  const ids = new Int32Array(opts.n * L * layout.subTokens)
  try {
    for (let first = 0; first < opts.n; first += opts.batch) {
      const count = Math.min(opts.batch, opts.n - first)
      const labels = Int32Array.from({ length: count }, (_, i) => opts.classIndex ?? (first + i) % K)
      const tokens = await sampleMaskGit(model, weights, labels, layout, opts.sampling, { firstIndex: first })
      ids.set(tokens, first * L * layout.subTokens)
      const code = indicesToBits(tokens, count, layout)
      const { images } = await tokenizer.decode(code, initialNoiseBatch(opts.sampling.seed, first, count, S), count, { sampling: opts.decoder })
      for (let i = 0; i < count; i++) rgb.push(fromModelOutput(images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S))
      opts.onBatch?.(first + count, opts.n)
    }
  } finally {
    tf.dispose([...weights.values()])
  }
  const card = {
    tokenizer: { checkpoint: tokenizer.info.checkpoint, stateDict: tokenizer.info.stateDict, trainedOn: run.tokenizer.sha256 },
    generator: { run: opts.run, step: ck.step, preset: run.preset, weights: 'ema', classes: run.classes },
    sampling: opts.sampling, decoder: { ...tokenizer.config.sampling, ...opts.decoder }, n: opts.n,
    class: opts.classIndex === null ? 'round-robin' : run.classes[opts.classIndex],
  }
  return { rgb, sizePx: S, ids, card }
}
