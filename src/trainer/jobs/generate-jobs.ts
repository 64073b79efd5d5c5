// The app's Stage-2 jobs (protocol: encodeCodes, trainGenerator, generatorInfo, generate, genEval): the CLI's encode,
// train --stage 2, generate and gen-eval on the engine, with the open tokenizer, the file policy and the job's hooks.
// The generator trains on the engine's thread: other calls wait for the step in progress (Stage-1 runs have a worker).
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type {
  EncodeCodesReport, EncodeCodesRequest, GenerateReport, GenerateRequest, GeneratorInfo, GeneratorInfoRequest, GenEvalReport, GenEvalRequest,
  GeneratorStepEvent, TrainGeneratorReport, TrainGeneratorRequest,
} from '../../shared/payloads/generate'
import { RpcError } from '../../shared/rpc'
import { scanImageFolder } from '../data/dataset'
import type { InferenceModel } from '../inference/inference-model'
import type { JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'
import { writeCodes } from '../stage2/codes-file'
import { encodeDataset } from '../stage2/encode-dataset'
import { evaluateGeneration } from '../stage2/gen-eval'
import { generateImages, loadGenerator, writeGenerated } from '../stage2/generate'
import { listCheckpoints } from '../stage2/generator-checkpoint'
import { GENERATOR_DEFAULTS, readGeneratorRun, trainGenerator } from '../stage2/train-generator'
import { unmaskingTimeline } from '../stage2/unmasking-timeline'

export async function encodeCodesJob(tokenizer: InferenceModel, req: EncodeCodesRequest, job: JobContext): Promise<EncodeCodesReport> {
  const [data, out] = [await readable(req.data), await writableTarget(req.out)]
  const scan = await scanImageFolder(data, { imageSizePx: 1 })
  if (scan.usable.length === 0) throw new RpcError(`${req.data}: no usable images`, 'invalid-request')
  const files = scan.usable.map((e) => e.path)
  const set = await encodeDataset(tokenizer, {
    dataDir: data, files, flip: req.flip ?? false, batch: 8,
    onProgress: (done, total) => (job.signal.throwIfAborted(), job.progress(done, total, `encoded ${done}/${total}`)),
  })
  await mkdir(dirname(out), { recursive: true })
  await writeCodes(out, set)
  const { positions, subTokens, vocabulary } = set.layout
  return { out, n: set.n, positions, bits: set.contextDim, subTokens, vocabulary, classes: set.classes }
}

export async function trainGeneratorJob(req: TrainGeneratorRequest, job: JobContext, onStep: (e: Omit<GeneratorStepEvent, 'jobId'>) => void): Promise<TrainGeneratorReport> {
  const [codes, out] = [await readable(req.codes), await writableTarget(req.out)]
  const maxSteps = req.maxSteps ?? GENERATOR_DEFAULTS.maxSteps
  const res = await trainGenerator({
    ...GENERATOR_DEFAULTS, codes, out, preset: req.preset ?? 'maskgit-tiny', maxSteps, resume: req.resume ?? false, logEvery: 1,
    batchSize: req.batchSize ?? GENERATOR_DEFAULTS.batchSize, lr: req.lr ?? GENERATOR_DEFAULTS.lr, seed: req.seed ?? GENERATOR_DEFAULTS.seed,
    checkpointEvery: req.checkpointEvery ?? GENERATOR_DEFAULTS.checkpointEvery, warmupSteps: Math.round(0.05 * maxSteps), engine: req.engine ?? GENERATOR_DEFAULTS.engine,
  }, {
    onLog: (line) => job.progress(0, maxSteps, line),
    onStep: (e) => {
      onStep({ step: e.step, maxSteps: e.maxSteps, loss: e.loss, maskedAccuracy: e.maskedAccuracy, lr: e.lr, itS: e.it_s })
      job.progress(e.step, e.maxSteps, `step ${e.step}/${e.maxSteps} · loss ${e.loss.toFixed(3)} · ${e.it_s.toFixed(2)} it/s`)
    },
  }, job.signal)
  return { out, step: res.step, checkpoint: res.checkpoint, stopped: job.signal.aborted }
}

export async function generatorInfo(req: GeneratorInfoRequest): Promise<GeneratorInfo> {
  const dir = await readable(req.run)
  const run = await readGeneratorRun(dir)
  const steps = await listCheckpoints(dir)
  if (steps.length === 0) throw new RpcError(`${req.run}: no generator checkpoint yet`, 'not-found')
  const p = run.params
  return { run: dir, step: steps[steps.length - 1], preset: run.preset, classes: run.classes, positions: p.positions, subTokens: p.subTokens, vocabulary: p.vocabulary }
}

export async function generateJob(tokenizer: InferenceModel, req: GenerateRequest, job: JobContext): Promise<GenerateReport> {
  const [run, out] = [await readable(req.run), await writableTarget(req.out)]
  const { classes } = await readGeneratorRun(run)
  const classIndex = req.className === undefined ? null : classes.indexOf(req.className)
  if (classIndex === -1) throw new RpcError(`class '${req.className}' is not one of the run's classes (${classes.join(', ')})`, 'invalid-request')
  const k = req.sampling
  const sampling = { steps: k.steps, randomizeTemperature: k.temperature, softmaxAnnealing: k.annealing, guidanceScale: k.guidance, guidanceSchedule: k.guidanceSchedule, seed: k.seed }
  const decoder = req.decodeSteps ? { steps: req.decodeSteps } : {}
  const index = Math.min(req.timelineIndex ?? 0, req.n - 1)
  const res = await generateImages(tokenizer, {
    run, n: req.n, classIndex, sampling, decoder, batch: 8, signal: job.signal,
    onBatch: (done, total) => job.progress(done, total + 1, `sampled ${done}/${total}`),
  })
  await writeGenerated(out, res)
  job.progress(req.n, req.n + 1, `unmasking timeline of sample ${index}`)
  const gen = await loadGenerator(run, tokenizer)
  try {
    const t = await unmaskingTimeline(tokenizer, gen, index, classIndex, sampling, decoder)
    const S = res.sizePx
    const rgb = (pixels: Uint8Array) => ({ pixels, h: S, w: S })
    return {
      out, images: res.rgb.map(rgb), labels: res.rgb.map((_, i) => classes[gen.label(i, classIndex)]), card: res.card,
      timeline: { index, positions: gen.layout.positions, subTokens: gen.layout.subTokens, committedAt: Array.from(t.committedAt), frames: t.frames.map(rgb) },
    }
  } finally {
    gen.dispose()
  }
}

export async function genEvalJob(req: GenEvalRequest, job: JobContext): Promise<GenEvalReport> {
  const report = await evaluateGeneration({
    samplesDir: await readable(req.samples), refDir: await readable(req.ref), weightsDir: await readableOrUndefined(req.weightsDir), proxy: req.proxy,
    onProgress: (what, done, total) => (job.signal.throwIfAborted(), job.progress(done, total, `${what} ${done}/${total}`)),
  })
  return { metrics: report.metrics, protocol: { ...report.protocol }, warnings: report.warnings }
}
