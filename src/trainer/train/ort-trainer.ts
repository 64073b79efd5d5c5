// The optimiser step on onnxruntime-node (train/ort-step.ts: forward, gradients, Adam and the weight-norm projection
// in one graph, ~9× faster than tfjs-wasm on CPU), behind the same surface as `Trainer` so a run can use either:
// the same draws per chunk (StepRandom(seed, step, c)), gradient accumulation, Stage 1B through the sampling chain
// (its perceptual cotangent from the run's network as an onnxruntime session, train/perceptual-grad-session.ts), Stage
// 1A's perceptual term in the step graph (the network traced with the weights the tfjs loss loaded; none in an
// MSE-trained encoder's regression phase, as Trainer). The tf variables, EMA and Adam object are refreshed from the
// engine by `sync()` before validation and checkpoints, and every EMA interval. The encoder freeze (Stage 1B, --freeze-encoder-after, or after
// the MSE phase of an MSE-trained encoder) rebuilds the engine decoder-only with fresh moments, as the reference
// rebuilds its optimiser.
// The step's session runs on the selected device (FLOWMO_DEVICE: `--device`, the app's setting), as inference does.
import * as tf from '@tensorflow/tfjs-core'
import { perceptualNetGraph } from '../export/grad/perceptual-graph'
import type { PerceptualTerm } from '../export/grad/stage1a-graph'
import { trainingThreads } from '../export/ort-session'
import type { FlowMo } from '../model/flowmo'
import type { WeightMap } from '../model/weights'
import type { PerceptualLoss } from '../losses/perceptual'
import { Adam } from './optim'
import { Ema, EMA_EVERY } from './ema'
import { OrtTrainStep, type OrtStepBatch } from './ort-step'
import { PerceptualGradSession } from './perceptual-grad-session'
import { StepRandom, drawChain, drawFlow, noiseSyncSpec, regressionDraw } from './step-random'
import { captureNorms } from './weight-norm'
import { NonFiniteLossError, type StepLosses, type TrainerConfig } from './trainer'

export class OrtTrainer {
  adam: Adam
  readonly ema: Ema
  private engine: OrtTrainStep | null = null
  private norms: Map<string, number> | null = null // ‖W₀‖_F, read before the first step
  private perceptualTerm: PerceptualTerm | null = null // Stage 1A's traced network, made for the first engine that needs it

  constructor(
    readonly model: FlowMo,
    readonly weights: WeightMap,
    readonly cfg: TrainerConfig,
    readonly perceptual: PerceptualLoss | null, // Stage 1A's λ_perc term in the step graph, Stage 1B's λ_sample chain term
    public step: number,
    private readonly log: (line: string) => void = () => {}, // which device the step graph opened on, device fallbacks
  ) {
    this.adam = new Adam(this.groups())
    this.ema = new Ema(weights)
  }

  get encoderFrozen(): boolean {
    const after = (n: number | null) => n !== null && this.step >= n
    return this.cfg.stage === '1b' || after(this.cfg.freezeEncoderAfter) || after(this.cfg.mseEncoderSteps)
  }

  private groups() {
    const names = this.model.parameters().map((p) => p.name)
    const decoder = { name: 'decoder', lr: this.cfg.lr, params: names.filter((n) => n.startsWith('decoder.')) }
    return this.encoderFrozen ? [decoder] : [{ name: 'encoder', lr: this.cfg.lr, params: names.filter((n) => n.startsWith('encoder.')) }, decoder]
  }

  /** One optimiser step; the first call builds the step graph (after a resume has restored `adam`). */
  async trainStep(x: Float32Array, batch: number): Promise<StepLosses> {
    this.norms ??= await captureNorms(this.weights) // at (re)start, as the reference: nothing moves the weights before
    if (this.encoderFrozen && this.adam.groups.length === 2) await this.freezeEncoder()
    const n = this.cfg.gradAccumulation
    if (batch % n !== 0) throw new Error(`batch ${batch} does not split into ${n} gradient-accumulation chunks`)
    const engine = (this.engine ??= await this.startEngine(batch / n))
    const out = await engine.step(this.chunks(x, batch / n), this.cfg.lr)
    const losses: StepLosses = {
      flow_loss: out.flow_loss, quantizer_loss: out.quantizer_loss, perceptual_loss: out.perceptual_loss + out.sample_loss, // one is 0
      total_loss: out.total_loss + out.sample_loss,
    }
    for (const [k, v] of Object.entries(losses) as [keyof StepLosses, number][]) {
      if (!Number.isFinite(v)) throw new NonFiniteLossError(this.step + 1, k, v)
    }
    this.step += 1
    if (this.step % EMA_EVERY === 0) {
      this.sync()
      this.ema.maybeUpdate(this.step, this.weights)
    }
    return losses
  }

  /** The step's chunks with their draws, as Trainer: chunk c draws from StepRandom(seed, step, c), the chain after the flow. */
  private chunks(x: Float32Array, chunk: number): OrtStepBatch[] {
    const { config } = this.model
    const S = config.imageSize
    const mse = this.cfg.mseEncoderSteps !== null && this.step < this.cfg.mseEncoderSteps // regression phase, as Trainer
    return Array.from({ length: this.cfg.gradAccumulation }, (_, c) => {
      const r = new StepRandom(this.cfg.seed, this.step, c)
      const draw = drawFlow(r, chunk, S, this.cfg.timeDistribution, this.cfg.cfgDropout, noiseSyncSpec(config))
      const xc = x.subarray(c * chunk * 3 * S * S, (c + 1) * chunk * 3 * S * S)
      return { x: xc, ...(mse ? regressionDraw(draw) : draw), ...(this.chainWeight() && { chain: drawChain(r, chunk, S, this.cfg.chainSteps) }) }
    })
  }

  /** λ_sample when this run has Stage 1B's chain term, else 0. */
  private chainWeight(): number {
    return this.cfg.stage === '1b' && this.perceptual ? this.cfg.perceptualWeight : 0
  }

  /** Stage 1A's λ·perceptual for the engine being built: none without a loss or weight, nor in the MSE phase (rebuilt at its end). */
  private stage1aPerceptual(): PerceptualTerm | null {
    const mse = this.cfg.mseEncoderSteps !== null && this.step < this.cfg.mseEncoderSteps
    if (this.cfg.stage !== '1a' || !this.perceptual || this.cfg.perceptualWeight === 0 || mse) return null
    this.perceptualTerm ??= { net: perceptualNetGraph(this.perceptual), weight: this.cfg.perceptualWeight }
    return this.perceptualTerm
  }

  /** Copies the engine's weights and Adam moments into the tf variables and the Adam object. */
  sync(): void {
    if (!this.engine) return
    for (const [name, data] of this.engine.weights()) {
      const v = this.weights.get(name)!
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)))
    }
    this.adam.setMoments(this.engine.moments(), this.weights)
  }

  /** From the freeze step on, only the decoder trains, with fresh Adam moments. */
  private async freezeEncoder(): Promise<void> {
    this.sync()
    await this.engine?.release()
    this.engine = null
    this.adam.dispose()
    this.adam = new Adam(this.groups())
  }

  private async startEngine(batch: number): Promise<OrtTrainStep> {
    const plain = new Map<string, Float32Array>()
    for (const [name, v] of this.weights) plain.set(name, (await v.data()) as Float32Array)
    const moments = await this.adam.moments()
    const frozen = this.encoderFrozen
    const S = this.model.config.imageSize
    const weight = this.chainWeight()
    const perceptual = this.stage1aPerceptual()
    const engine = await OrtTrainStep.create(this.model.config, plain, {
      batch, chunks: this.cfg.gradAccumulation, norms: this.norms!, intraOpNumThreads: trainingThreads(), onNotice: this.log, ...(moments.step > 0 && { moments }),
      ...(frozen && { trainable: (name: string) => name.startsWith('decoder.') }), ...(perceptual && { perceptual }),
      ...(weight && { chain: { steps: this.cfg.chainSteps, sample: await PerceptualGradSession.create(this.perceptual!, { batch, imageSizePx: S, weight, intraOpNumThreads: trainingThreads(), onNotice: this.log }) } }),
    })
    this.log(`training step graph on ${engine.device}${frozen ? ' (decoder only)' : ''}${perceptual ? `, with ${this.perceptual!.label}` : ''}`)
    return engine
  }

  /** Closes the onnxruntime session (awaited: a thread ended while it closes takes the process down) and frees tensors. */
  async dispose(): Promise<void> {
    await this.engine?.release()
    this.engine = null
    this.adam.dispose()
    this.ema.dispose()
  }
}
