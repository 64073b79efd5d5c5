// Stage-2 training: a MaskGiT (maskgit.ts) over a codes file, TiTok's recipe (configs/training/generator/maskgit.yaml):
// arccos masking, MLM loss with label smoothing 0.1 and weight 0.1 on unmasked tokens, class-label dropout 0.1, AdamW
// β (0.9, 0.96) wd 0.03 (none on biases, norms, embeddings), warm-up + cosine to 1e-5, clipping at 1.0, EMA 0.999.
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { Rng } from '../data/rng'
import { gaussianNoise } from '../sample/noise'
import { hashFile } from '../metrics/protocol'
import { writeFileAtomic } from '../atomic-file'
import { Ema } from '../train/ema'
import { Adam } from '../train/optim'
import { readCodes, type CodesSet } from './codes-file'
import { loadGeneratorCheckpoint, restoreAdam, saveGeneratorCheckpoint } from './generator-checkpoint'
import { onnxruntimeStepper, tfjsStepper, type GeneratorEngine } from './generator-steppers'
import { drawMasks, maskedBits } from './masking'
import { ImageBert, maskGitParams, type GeneratorSizes, type MaskGitParams } from './maskgit'

export interface GeneratorTrainOptions {
  readonly codes: string // codes file from `flowmo encode`
  readonly out: string // run folder
  readonly preset: string | GeneratorSizes // maskgit-tiny | maskgit-paper, or explicit sizes
  readonly maxSteps: number
  readonly checkpointEvery: number
  readonly resume: boolean
  readonly batchSize: number // sequences per step, e.g. 32
  readonly lr: number // peak, e.g. 2e-4 (TiTok)
  readonly lrEnd: number // 1e-5
  readonly warmupSteps: number // e.g. 5 % of maxSteps
  readonly weightDecay: number // 0.03
  readonly betas: [number, number] // (0.9, 0.96)
  readonly clipNorm: number // 1.0
  readonly emaDecay: number // 0.999
  readonly classDropout: number // 0.1
  readonly seed: number
  readonly logEvery: number
  readonly engine: GeneratorEngine // onnxruntime (default): the step as one graph (generator-steppers.ts); tfjs: the reference path
}

export const GENERATOR_DEFAULTS = {
  batchSize: 32, lr: 2e-4, lrEnd: 1e-5, weightDecay: 0.03, betas: [0.9, 0.96] as [number, number], clipNorm: 1, emaDecay: 0.999,
  classDropout: 0.1, seed: 0, logEvery: 10, checkpointEvery: 500, maxSteps: 2000, engine: 'onnxruntime' as GeneratorEngine,
}

export interface GeneratorStep {
  readonly step: number
  readonly maxSteps: number
  readonly loss: number
  readonly maskedAccuracy: number // share of masked sub-tokens predicted right (argmax)
  readonly lr: number
  readonly gradNorm: number // before clipping
  readonly it_s: number
}

export interface GeneratorEvents {
  onLog?(line: string): void
  onStep?(e: GeneratorStep): void
  onCheckpoint?(path: string): void
}

/** Linear warm-up to `peak`, then cosine to `end` at maxSteps (TiTok's `cosine` scheduler). */
export function cosineWithWarmup(step: number, maxSteps: number, warmup: number, peak: number, end: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup
  const progress = Math.min(1, (step - warmup) / Math.max(1, maxSteps - warmup))
  return end + 0.5 * (peak - end) * (1 + Math.cos(Math.PI * progress))
}

/** Biases, norms and embeddings (class table, positions, the bit projection standing in for the token table) get no decay. */
export function decays(name: string, shape: readonly number[]): boolean {
  return shape.length >= 2 && !/(^|\.)(class_embed|position_embed|token_in)\./.test(name) && !/norm/.test(name)
}

/** Truncated normal (±2σ) with σ 0.02 for matrices, zeros for biases, ones for norm weights (TiTok / BERT init). */
export function initGenerator(model: ImageBert, seed: number): Map<string, tf.Variable> {
  const map = new Map<string, tf.Variable>()
  model.parameters().forEach((ref, i) => {
    const n = ref.shape.reduce((a, b) => a * b, 1)
    let data: Float32Array
    if (/norm\.weight$|norm\d\.weight$/.test(ref.name)) data = new Float32Array(n).fill(1)
    else if (ref.name.endsWith('.bias')) data = new Float32Array(n)
    else data = gaussianNoise(n, Rng.fromSeed(seed, 11, i)).map((z) => 0.02 * Math.max(-2, Math.min(2, z)))
    map.set(ref.name, tf.tidy(() => tf.variable(tf.tensor(data, [...ref.shape]), true)))
  })
  return map
}

/** AdamW with two groups: weight decay on the matrices `decays` names, none on the rest (TiTok's create_optimizer). */
export function generatorAdam(model: ImageBert, opts: Pick<GeneratorTrainOptions, 'lr' | 'weightDecay' | 'betas'>): Adam {
  const group = (decay: boolean) => model.parameters().filter((r) => decays(r.name, r.shape) === decay).map((r) => r.name)
  return new Adam([
    { name: 'decay', lr: opts.lr, params: group(true), weightDecay: opts.weightDecay },
    { name: 'no_decay', lr: opts.lr, params: group(false) },
  ], { betas: opts.betas, eps: 1e-8 })
}

/** One-hot [B, 1, K+1] of class labels (K = the null class). */
export function classOneHotData(labels: ArrayLike<number>, classes: number): Float32Array {
  const oneHot = new Float32Array(labels.length * (classes + 1))
  Array.from(labels).forEach((label, b) => (oneHot[b * (classes + 1) + label] = 1))
  return oneHot
}

export function classOneHot(labels: ArrayLike<number>, classes: number): tf.Tensor3D {
  return tf.tensor3d(classOneHotData(labels, classes), [labels.length, 1, classes + 1])
}

export async function trainGenerator(opts: GeneratorTrainOptions, ev: GeneratorEvents = {}, signal?: AbortSignal): Promise<{ step: number; checkpoint: string | null }> {
  const codes = await readCodes(opts.codes)
  const L = codes.layout
  const params: MaskGitParams = maskGitParams(opts.preset, {
    positions: L.positions, bitsPerToken: codes.contextDim, subTokens: L.subTokens, vocabulary: L.vocabulary, classes: codes.classes.length,
  })
  const model = new ImageBert(params)
  const nParams = model.parameters().reduce((s, r) => s + r.shape.reduce((a, b) => a * b, 1), 0)
  ev.onLog?.(`generator ${typeof opts.preset === 'string' ? opts.preset : 'custom'}: ${params.hiddenSize}×${params.depth}, ${nParams.toLocaleString('en')} parameters; ${codes.n} sequences of ${L.positions}×${L.subTokens} sub-tokens (vocabulary ${L.vocabulary}), ${codes.classes.length} class(es)`)
  const weights = initGenerator(model, opts.seed)
  const adam = generatorAdam(model, opts)
  let step = 0
  let emaStart: Map<string, Float32Array> | null = null
  if (opts.resume) {
    const ck = await loadGeneratorCheckpoint(opts.out, true)
    for (const [name, v] of weights) v.assign(tf.tensor(ck.model.get(name)!, v.shape))
    await restoreAdam(adam, ck.file!)
    await ck.file!.close()
    step = ck.step
    emaStart = ck.ema
    ev.onLog?.(`resumed from step ${step}`)
  }
  const ema = new Ema(weights, opts.emaDecay, 1)
  if (emaStart) ema.load(emaStart)
  await mkdir(opts.out, { recursive: true })
  if (!opts.resume) {
    const run = { stage: '2', preset: opts.preset, params, codes: { path: opts.codes, sha256: await hashFile(opts.codes), n: codes.n }, classes: codes.classes, layout: L, tokenizer: codes.tokenizer, options: opts }
    await writeFileAtomic(join(opts.out, 'run.json'), `${JSON.stringify(run, null, 2)}\n`)
  }
  const stepper = opts.engine === 'onnxruntime'
    ? await onnxruntimeStepper({ model, weights, adam, clipNorm: opts.clipNorm }, opts.batchSize, decays)
    : tfjsStepper({ model, weights, adam, clipNorm: opts.clipNorm })
  ev.onLog?.(`engine: ${stepper.label}`)
  let last = null as string | null // the newest checkpoint written
  const started = Date.now()
  const firstStep = step
  const checkpoint = async () => {
    await stepper.syncOptimizer()
    last = await saveGeneratorCheckpoint(opts.out, step, params, weights, ema.weights, adam)
    ev.onCheckpoint?.(last)
  }
  while (step < opts.maxSteps && !signal?.aborted) {
    const lr = cosineWithWarmup(step, opts.maxSteps, opts.warmupSteps, opts.lr, opts.lrEnd)
    const batch = drawBatch(codes, opts, step, params.classes)
    const masks = drawMasks(opts.batchSize, L.positions * L.subTokens, Rng.fromSeed(opts.seed, 13, step))
    const r = await stepper.step({ bits: maskedBits(batch.ids, masks, opts.batchSize, L), classOneHot: classOneHotData(batch.labels, params.classes), ids: batch.ids, masks }, lr)
    step += 1
    ema.maybeUpdate(step, weights)
    const { loss, gradNorm } = r
    const acc = r.correct / masks.reduce((a, b) => a + b, 0)
    if (!Number.isFinite(loss)) throw new Error(`step ${step}: loss is ${loss}; lower --lr`)
    const e: GeneratorStep = { step, maxSteps: opts.maxSteps, loss, maskedAccuracy: acc, lr, gradNorm, it_s: (step - firstStep) / ((Date.now() - started) / 1000) }
    ev.onStep?.(e)
    if (step % opts.logEvery === 0 || step === opts.maxSteps) await appendFile(join(opts.out, 'metrics.jsonl'), `${JSON.stringify({ ...e, time: new Date().toISOString() })}\n`)
    if (step % opts.checkpointEvery === 0 || step === opts.maxSteps) await checkpoint()
  }
  if (signal?.aborted && step > firstStep && !last?.endsWith(`${String(step).padStart(6, '0')}.safetensors`)) await checkpoint()
  await stepper.release()
  adam.dispose()
  ema.dispose()
  for (const v of weights.values()) v.dispose()
  return { step, checkpoint: last }
}

/** Rows for a step: seeded by (seed, step), so a resumed run draws what the uninterrupted one would; class labels dropped to the null class with p = classDropout. */
function drawBatch(codes: CodesSet, opts: GeneratorTrainOptions, step: number, classes: number): { ids: Int32Array; labels: Int32Array } {
  const rng = Rng.fromSeed(opts.seed, 12, step)
  const per = codes.layout.positions * codes.layout.subTokens
  const ids = new Int32Array(opts.batchSize * per)
  const labels = new Int32Array(opts.batchSize)
  for (let b = 0; b < opts.batchSize; b++) {
    const row = Math.floor(rng.nextFloat() * codes.n)
    ids.set(codes.indices.subarray(row * per, (row + 1) * per), b * per)
    labels[b] = rng.nextFloat() < opts.classDropout ? classes : codes.labels[row]
  }
  return { ids, labels }
}

/** run.json of a Stage-2 run. */
export async function readGeneratorRun(dir: string): Promise<{ preset: string; params: MaskGitParams; classes: string[]; tokenizer: CodesSet['tokenizer']; codes: { path: string; sha256: string; n: number } }> {
  try {
    return JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'))
  } catch (e) {
    throw new Error(`${dir}: not a Stage-2 run folder (run.json: ${(e as Error).message})`)
  }
}
