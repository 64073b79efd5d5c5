// The Generate section's state (Stage 2): the codes of a folder under the open tokenizer, a generator trained on them
// (its gen:step curve), a sampled grid with its unmasking timeline, and the grid's generation metrics with their card.
// Each step is a job (jobs.svelte.ts); the paths flow from one panel to the next.
import type {
  EncodeCodesReport, GenerateReport, GeneratorInfo, GeneratorStepEvent, GenEvalReport, MaskGitKnobs, TrainGeneratorReport,
} from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export type GeneratePanel = 'codes' | 'train' | 'sample' | 'metrics'

export class GenerateState {
  // codes
  data = $state('')
  codesOut = $state('')
  flip = $state(true)
  codes = $state.raw<EncodeCodesReport | null>(null)
  // generator training
  codesPath = $state('')
  runOut = $state('')
  preset = $state('maskgit-tiny')
  maxSteps = $state(2000)
  batchSize = $state(32)
  lr = $state(2e-4)
  checkpointEvery = $state(500)
  engine = $state<'tfjs' | 'onnxruntime'>('onnxruntime') // the engine's default (GENERATOR_DEFAULTS); tfjs: the reference path
  curve = $state.raw<GeneratorStepEvent[]>([])
  trained = $state.raw<TrainGeneratorReport | null>(null)
  private trainJobId: string | null = null
  // sampling
  run = $state('')
  samplesOut = $state('')
  n = $state(16)
  knobs = $state<MaskGitKnobs>({ steps: 8, temperature: 2, annealing: true, guidance: 0, guidanceSchedule: 'linear', seed: 0 })
  className = $state('') // '' = round-robin
  decodeSteps = $state(0) // 0 = the tokenizer's own
  info = $state.raw<GeneratorInfo | null>(null)
  grid = $state.raw<GenerateReport | null>(null)
  timelineStep = $state(0)
  // metrics
  ref = $state('')
  proxy = $state(false)
  metrics = $state.raw<GenEvalReport | null>(null)
  errors = $state<Record<GeneratePanel, string>>({ codes: '', train: '', sample: '', metrics: '' })

  constructor() {
    engine.on('gen:step', (e) => void (e.jobId === this.trainJobId && (this.curve = [...this.curve, e])))
  }

  async encode(): Promise<void> {
    const model = inspector.model
    if (!model) return void (this.errors.codes = 'open a tokenizer in Inspect first')
    await this.attempt('codes', async () => {
      this.codes = await jobs.run<EncodeCodesReport>('gen-codes', () => engine.encodeCodes({ modelId: model.modelId, data: this.data, out: this.codesOut, flip: this.flip }))
      this.codesPath = this.codes.out
    })
  }

  /** Trains (or resumes) the generator; Stop (the job's cancel) ends it after the step with a checkpoint, which sampling can use. */
  async train(resume = false): Promise<void> {
    this.curve = resume ? this.curve : []
    this.trained = null
    const req = { codes: this.codesPath, out: this.runOut, preset: this.preset, resume, maxSteps: this.maxSteps, batchSize: this.batchSize, lr: this.lr, checkpointEvery: this.checkpointEvery, engine: this.engine }
    await this.attempt('train', async () => {
      this.trained = await jobs.run<TrainGeneratorReport>('gen-train', () => engine.trainGenerator(req), (jobId) => (this.trainJobId = jobId))
      this.run = this.trained.out
      await this.loadInfo()
    })
  }

  /** The run's classes and newest step, for the class list; a folder without a checkpoint yet says so. */
  async loadInfo(): Promise<void> {
    this.info = null
    if (!this.run) return
    await this.attempt('sample', async () => void (this.info = await engine.generatorInfo({ run: this.run })))
  }

  async sample(): Promise<void> {
    const model = inspector.model
    if (!model) return void (this.errors.sample = 'open a tokenizer in Inspect first')
    await this.attempt('sample', async () => {
      const req = {
        modelId: model.modelId, run: this.run, out: this.samplesOut, n: this.n, sampling: { ...this.knobs },
        ...(this.className ? { className: this.className } : {}), ...(this.decodeSteps > 0 ? { decodeSteps: this.decodeSteps } : {}),
      }
      this.grid = await jobs.run<GenerateReport>('gen-sample', () => engine.generate(req))
      this.timelineStep = this.grid.timeline.frames.length - 1
    })
  }

  async evaluate(): Promise<void> {
    await this.attempt('metrics', async () => {
      this.metrics = await jobs.run<GenEvalReport>('gen-eval', () => engine.genEval({ samples: this.samplesOut, ref: this.ref, proxy: this.proxy }))
    })
  }

  private async attempt(panel: GeneratePanel, work: () => Promise<void>): Promise<void> {
    this.errors[panel] = ''
    try {
      await work()
    } catch (e) {
      this.errors[panel] = describeError(e)
    }
  }
}

export const generate = new GenerateState()
