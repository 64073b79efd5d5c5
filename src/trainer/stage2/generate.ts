// `flowmo generate`'s work: sample token sequences from a Stage-2 run's EMA weights (maskgit-sample.ts), turn them into
// ±1 codes and decode them with the tokenizer; returns uint8 RGB images and the protocol card of the generation.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { fromModelOutput, writePng } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import { encodeNpy, encodeZip } from '../metrics/npz'
import type { SamplingConfig } from '../model/configs'
import { initialNoiseBatch } from '../sample/noise'
import { loadGeneratorCheckpoint } from './generator-checkpoint'
import { ImageBert } from './maskgit'
import { sampleMaskGit, type MaskGitSampling } from './maskgit-sample'
import { indicesToBits, tokenLayout, type TokenLayout } from './tokens'
import { readGeneratorRun } from './train-generator'

export interface GenerateOptions {
  readonly run: string
  readonly n: number
  readonly classIndex: number | null // null: sample i gets class i mod K
  readonly sampling: MaskGitSampling
  readonly decoder: Partial<SamplingConfig> // the tokenizer's sampler (steps, ρ, CFG …)
  readonly batch: number
  readonly onBatch?: (done: number, total: number) => void
  readonly signal?: AbortSignal
}

export interface GeneratedImages {
  readonly rgb: Uint8Array[] // [S, S, 3] each
  readonly sizePx: number
  readonly ids: Int32Array // [N, T·F]
  readonly card: Record<string, unknown>
}

/** A run's newest checkpoint as a model with its EMA weights as tensors, checked against the tokenizer's code shape. */
export interface LoadedGenerator {
  readonly run: Awaited<ReturnType<typeof readGeneratorRun>>
  readonly step: number
  readonly model: ImageBert
  readonly weights: Map<string, tf.Tensor>
  readonly layout: TokenLayout
  /** Class of sample i: the chosen one, else round-robin over the run's classes. */
  label(i: number, classIndex: number | null): number
  dispose(): void
}

export async function loadGenerator(runDir: string, tokenizer: InferenceModel): Promise<LoadedGenerator> {
  const run = await readGeneratorRun(runDir)
  const ck = await loadGeneratorCheckpoint(runDir)
  const model = new ImageBert(ck.params)
  const { codeLength: L, contextDim: C, codebookSizeForEntropy: G } = tokenizer.config
  if (L !== ck.params.positions || C !== ck.params.bitsPerToken) throw new Error(`the generator was trained on ${ck.params.positions} tokens × ${ck.params.bitsPerToken} bits; this tokenizer has ${L} × ${C}`)
  const shapes = new Map(model.parameters().map((r) => [r.name, r.shape]))
  const weights = new Map([...ck.ema].map(([k, v]) => [k, tf.tensor(v, [...shapes.get(k)!])]))
  const K = ck.params.classes
  return {
    run, step: ck.step, model, weights, layout: tokenLayout(L, C, G),
    label: (i, classIndex) => classIndex ?? i % K,
    dispose: () => tf.dispose([...weights.values()]),
  }
}

export async function generateImages(tokenizer: InferenceModel, opts: GenerateOptions): Promise<GeneratedImages> {
  const gen = await loadGenerator(opts.run, tokenizer)
  const { layout } = gen
  const S = tokenizer.config.imageSize
  const perSample = layout.positions * layout.subTokens
  const rgb: Uint8Array[] = []
  const ids = new Int32Array(opts.n * perSample)
  try {
    for (let first = 0; first < opts.n; first += opts.batch) {
      opts.signal?.throwIfAborted()
      const count = Math.min(opts.batch, opts.n - first)
      const labels = Int32Array.from({ length: count }, (_, i) => gen.label(first + i, opts.classIndex))
      const tokens = await sampleMaskGit(gen.model, gen.weights, labels, layout, opts.sampling, { firstIndex: first })
      ids.set(tokens, first * perSample)
      const code = indicesToBits(tokens, count, layout)
      const { images } = await tokenizer.decode(code, initialNoiseBatch(opts.sampling.seed, first, count, S), count, { sampling: opts.decoder })
      for (let i = 0; i < count; i++) rgb.push(fromModelOutput(images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S))
      opts.onBatch?.(first + count, opts.n)
    }
  } finally {
    gen.dispose()
  }
  const card = {
    tokenizer: { checkpoint: tokenizer.info.checkpoint, stateDict: tokenizer.info.stateDict, trainedOn: gen.run.tokenizer.sha256 },
    generator: { run: opts.run, step: gen.step, preset: gen.run.preset, weights: 'ema', classes: gen.run.classes },
    sampling: opts.sampling, decoder: { ...tokenizer.config.sampling, ...opts.decoder }, n: opts.n,
    class: opts.classIndex === null ? 'round-robin' : gen.run.classes[opts.classIndex],
  }
  return { rgb, sizePx: S, ids, card }
}

/** sample_NNNNN.png per image and generation.json (the card `flowmo gen-eval` copies) in `dir`; optionally the ADM .npz. */
export async function writeGenerated(dir: string, res: GeneratedImages, npz?: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const S = res.sizePx
  for (const [i, rgb] of res.rgb.entries()) await writePng(join(dir, sampleName(i)), rgb, S, S)
  await writeFile(join(dir, 'generation.json'), `${JSON.stringify(res.card, null, 2)}\n`)
  if (!npz) return
  const all = new Uint8Array(res.rgb.length * S * S * 3)
  res.rgb.forEach((rgb, i) => all.set(rgb, i * S * S * 3))
  await mkdir(dirname(npz), { recursive: true })
  await writeFile(npz, encodeZip(new Map([['arr_0.npy', encodeNpy({ data: all, shape: [res.rgb.length, S, S, 3] })]])))
}

export const sampleName = (i: number): string => `sample_${String(i).padStart(5, '0')}.png`
