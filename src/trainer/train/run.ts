// A training run (reference train.py's loop): data → steps → metrics.jsonl, sample grids, validation, checkpoints,
// until max steps or stop(). Resume restores weights, EMA, Adam and the loader; NaN/Inf stops without saving.
// The CLI and the engine's protocol drive it through `start()`, `stop()` and the RunEvents callbacks.
import { BatchLoader } from '../data/loader'
import { PHOTO_AUGMENTATION } from '../data/augment'
import { createPerceptualLoss, perceptualSizeProblem, type PerceptualLoss } from '../losses/perceptual'
import { disposeWeightMap, type WeightMap } from '../model/weights'
import { writeFileAtomic } from '../atomic-file'
import { explicitSizes, saveCheckpoint } from './checkpointing'
import { lockOutput } from '../output-lock'
import { RunDir, runFolderLock } from './run-dir'
import { prepareData, startingPoint, type RunData, type StartingPoint } from './run-setup'
import type { RunEvents, RunOptions, RunSummary, StepEvent } from './run-options'
import { Trainer, type StepLosses, type TrainerConfig } from './trainer'
import { OrtTrainer } from './ort-trainer'
import { etaSeconds } from './eta'
import { validate } from './validation'
import { borrowedInfo, TfModel } from '../inference/tf-model'
import type { InferenceModel } from '../inference/inference-model'
import { WeightFedModel } from '../inference/weight-fed-model'
import { SLEEPING_THREADS, trainingThreads } from '../export/ort-session'

export class TrainingRun {
  readonly dir: RunDir
  private stopRequested = false
  private trainer: Trainer | OrtTrainer | null = null
  private perceptual: PerceptualLoss | null = null
  private lastSaved: { step: number; path: string } | null = null
  private data: RunData | null = null
  private loader: BatchLoader | null = null
  private fedModel: WeightFedModel | null = null // the onnxruntime engine's validation graphs, opened at its first validation
  // before: seconds trained by earlier segments (resume); validationS, checkpointS: the last ones' durations (the ETA's)
  private clock = { started: 0, lastStep: 0, lastTime: 0, before: 0, validationS: 0, checkpointS: 0 }

  constructor(readonly opts: RunOptions, private readonly events: RunEvents = {}) {
    this.dir = new RunDir(opts.out)
  }

  /** Asks the run to finish the current step, write a checkpoint and resolve (SIGINT/SIGTERM, stopRun). */
  stop(): void {
    this.stopRequested = true
  }

  get step(): number {
    return this.trainer?.step ?? 0
  }

  /** Trains holding the run folder's lock (one writer of metrics.jsonl and checkpoints, across processes). */
  async start(): Promise<RunSummary> {
    const unlock = await lockOutput(this.dir.lock, this.dir.root, { ...runFolderLock, onNotice: (l) => this.log(l) })
    try {
      await this.prepare()
      const summary = await this.loop()
      await this.dispose() // before onDone: the engine may end this thread once it hears of it (native sessions must be closed)
      await unlock()
      this.events.onDone?.(summary)
      return summary
    } catch (e) {
      await this.dispose()
      await unlock()
      this.events.onError?.(e as Error)
      throw e
    }
  }

  private log(line: string): void {
    this.events.onLog?.(line)
  }

  private async prepare(): Promise<void> {
    const o = this.opts
    const start = await startingPoint(o, this.dir, (l) => this.log(l))
    const S = start.model.config.imageSize
    this.data = await prepareData(o, S, (l) => this.log(l)) // a folder with no usable image fails here
    await this.dir.create()
    this.perceptual = await createPerceptualLoss(o.perceptual, { weightsDir: o.weightsDir, allowFallback: o.allowPerceptualFallback })
    const sizeProblem = this.perceptual?.isProxy ? perceptualSizeProblem('proxy', S) : null // also a fallback to the proxy
    if (sizeProblem) throw new Error(sizeProblem)
    this.log(`perceptual loss: ${this.perceptual ? `${this.perceptual.label}, weight ${o.perceptualWeight}` : 'none'}`)
    const cfg = {
      stage: o.stage, lr: o.lr, gradAccumulation: o.gradAccumulation, freezeEncoderAfter: o.freezeEncoderAfter, mseEncoderSteps: o.mseEncoderSteps,
      timeDistribution: o.timeDistribution, perceptualWeight: this.perceptual ? o.perceptualWeight : 0, cfgDropout: o.cfgDropout,
      chainSteps: o.chainSteps, seed: o.seed,
    }
    this.trainer = this.createTrainer(start, cfg)
    this.log(`training engine: ${o.engine === 'onnxruntime' ? 'onnxruntime (step graph)' : 'tfjs'}`)
    if (start.resumed) {
      this.trainer.adam.restore(start.resumed.optim.tensors, start.resumed.optim.metadata)
      this.trainer.ema.load(start.resumed.ema)
      await this.dir.truncateMetricsAfter(start.step)
      this.lastSaved = { step: start.step, path: this.dir.checkpointFiles(start.step).model }
      this.clock.before = start.resumed.elapsedS ?? 0
    }
    this.loader = new BatchLoader({
      paths: this.data.train.usable.map((e) => e.path), imageSizePx: S, batchSize: o.batchSize, seed: o.seed, split: 'train',
      augment: o.augment ? PHOTO_AUGMENTATION : undefined,
      resume: start.resumed?.loader ?? undefined, onSkip: (s) => this.log(`skipped ${s.path}: ${s.reason} (${s.detail})`),
    })
    await this.writeRunJson()
  }

  /** The step engine of this run (tests wrap it to inject a failing step). */
  protected createTrainer(start: StartingPoint, cfg: TrainerConfig): Trainer | OrtTrainer {
    return this.opts.engine === 'onnxruntime'
      ? new OrtTrainer(start.model, start.weights, cfg, this.perceptual, start.step, (l) => this.log(l))
      : new Trainer(start.model, start.weights, cfg, this.perceptual, start.step)
  }

  private async writeRunJson(): Promise<void> {
    const { backendInfo } = await import('../backend')
    await this.dir.writeRunJson({
      config: explicitSizes(this.trainer!.model.config), options: { ...this.opts, config: undefined }, perceptual: this.perceptual?.label ?? 'none',
      dataset: { train: this.opts.data, usable: this.data!.train.usable.length, skipped: this.data!.train.skipped.length, val: this.opts.val ?? null },
      backend: backendInfo(), startedAtStep: this.step, startedAt: new Date().toISOString(),
    })
  }

  private async loop(): Promise<RunSummary> {
    const trainer = this.trainer!
    const o = this.opts
    this.clock = { ...this.clock, started: Date.now(), lastStep: trainer.step, lastTime: Date.now() }
    this.events.onStart?.({ step: trainer.step, maxSteps: o.maxSteps, stage: o.stage })
    if (o.init && trainer.step === 0) await this.validation()
    while (trainer.step < o.maxSteps && !this.stopRequested) {
      const batch = (await this.loader!.next())!
      const losses = await trainer.trainStep(batch.x, batch.shape[0])
      const s = trainer.step
      if (s % o.logEvery === 0 || s === o.maxSteps) await this.logStep(losses)
      if (s % o.valEvery === 0 || s % o.sampleEvery === 0) this.clock.validationS = await this.sideWork(() => this.validation())
      if (s % o.checkpointEvery === 0) this.clock.checkpointS = await this.sideWork(() => this.checkpoint())
    }
    if (trainer.step % o.valEvery !== 0 && trainer.step % o.sampleEvery !== 0) await this.validation()
    await this.checkpoint()
    const status = trainer.step >= o.maxSteps ? 'finished' : 'stopped'
    return { status, step: trainer.step, lastCheckpoint: this.lastSaved?.path ?? null }
  }

  private async logStep(losses: StepLosses): Promise<void> {
    const now = Date.now()
    const s = this.trainer!.step
    const itS = (s - this.clock.lastStep) / Math.max((now - this.clock.lastTime) / 1000, 1e-9) // side work excluded (sideWork)
    this.clock.lastStep = s
    this.clock.lastTime = now
    const { validationS, checkpointS } = this.clock
    const eta = etaSeconds({ ...this.opts, step: s, itS, validationS, checkpointS })
    const event: StepEvent = {
      step: s, maxSteps: this.opts.maxSteps, stage: this.opts.stage, ...losses, lr: this.opts.lr, it_s: itS, eta_s: eta,
      elapsed_s: this.elapsedS(now),
    }
    const { maxSteps: _m, eta_s: _e, ...record } = event
    await this.dir.appendMetrics(record)
    this.events.onStep?.(event)
  }

  /** Runs a validation or checkpoint between steps: its seconds, kept out of the step rate (it/s measures steps). The
   *  loop waits for it: tfjs and the step graph share this thread, so it cannot overlap a step (docs/training.md). */
  private async sideWork(work: () => Promise<void>): Promise<number> {
    const t0 = Date.now()
    await work()
    const ms = Date.now() - t0
    this.clock.lastTime += ms
    return ms / 1000
  }

  /** Seconds trained so far, earlier segments of a resumed run included. */
  private elapsedS(now = Date.now()): number {
    return this.clock.before + (now - this.clock.started) / 1000
  }

  private async validation(): Promise<void> {
    const t0 = Date.now()
    const t = this.trainer!
    t.sync()
    const s = t.step
    const weights = this.opts.evalWeights === 'ema' ? t.ema.weights : t.weights
    const v = await validate(await this.validationModel(weights), this.data!.valX, this.data!.valCount)
    const path = this.dir.samplePath(s)
    await writeFileAtomic(path, v.grid.png) // a reader never sees half a PNG
    this.events.onSample?.({ step: s, path, ...v.grid })
    const record = { step: s, val_psnr: v.psnr, val_ssim: v.ssim, val_baseline_psnr: v.baselinePsnr, bit_balance: v.bitBalance, eval_weights: this.opts.evalWeights,
      val_s: (Date.now() - t0) / 1000 }
    await this.dir.appendMetrics(record)
    this.events.onValidation?.(record)
  }

  /**
   * The inference model validation runs on: the onnxruntime engine's on onnxruntime (graphs traced once with the weights
   * as inputs, fed the current ones; the run's device), the tfjs engine's on tfjs over the tf variables.
   */
  private async validationModel(weights: WeightMap): Promise<InferenceModel> {
    const t = this.trainer!
    const source = { checkpoint: this.dir.root, stateDict: this.opts.evalWeights, totalSteps: t.step, configSource: 'the run\'s config' }
    if (this.opts.engine !== 'onnxruntime') return TfModel.borrow(t.model, weights, source)
    if (!this.fedModel) {
      const info = borrowedInfo(t.model, { ...source, totalSteps: null })
      const threads = { intraOpNumThreads: trainingThreads(), tuning: SLEEPING_THREADS } // as the step's sessions
      this.fedModel = await WeightFedModel.open(t.model, info, { ...threads, onNotice: (l) => this.log(l) })
      this.log(`validation on onnxruntime (${this.fedModel.device})`)
    }
    await this.fedModel.feed(weights)
    return this.fedModel.model
  }

  /** Writes step-N (never over an existing checkpoint of the same step), then prunes. */
  private async checkpoint(): Promise<void> {
    const t = this.trainer!
    if (this.lastSaved?.step === t.step) return
    t.sync()
    const files = this.dir.checkpointFiles(t.step)
    await saveCheckpoint(files, { step: t.step, stage: this.opts.stage, seed: this.opts.seed, loader: this.loader!.state(), elapsedS: this.elapsedS() }, t.model.config, t.weights, t.ema.weights, t.adam)
    this.lastSaved = { step: t.step, path: files.model }
    this.events.onCheckpoint?.({ step: t.step, path: files.model })
    for (const removed of await this.dir.prune(this.opts.keepLast, this.opts.keepEvery)) this.log(`removed checkpoint step ${removed}`)
  }

  /** Frees tensors and native sessions once (a failed dispose is not retried). */
  private async dispose(): Promise<void> {
    const { trainer, perceptual, fedModel } = this
    this.trainer = null
    this.perceptual = null
    this.fedModel = null
    await fedModel?.release()
    if (trainer) {
      await trainer.dispose()
      disposeWeightMap(trainer.weights)
    }
    perceptual?.dispose()
  }
}
