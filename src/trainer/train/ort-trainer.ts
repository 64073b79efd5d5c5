// The Stage-1A optimiser step on onnxruntime-node (train/ort-step.ts: forward, gradients, Adam and the weight-norm
// projection in one graph, ~9× faster than tfjs-wasm on CPU), behind the same surface as `Trainer` so a run can
// use either. The tf variables, EMA and Adam object are refreshed from the engine by `sync()` before validation
// and checkpoints, and every EMA interval. The run's perceptual loss goes into the graph (its network traced with the
// weights the tfjs loss loaded; not during an MSE-trained encoder's regression phase, as Trainer). Limits
// (`ortEngineGaps`): Stage 1A, no gradient accumulation. The encoder freeze (at --freeze-encoder-after, or after the MSE phase of an MSE-trained encoder)
// rebuilds the engine decoder-only with fresh moments, as the reference rebuilds its optimiser.
// The step's session runs on the selected device (FLOWMO_DEVICE: `--device`, the app's setting), as inference does.
import * as tf from '@tensorflow/tfjs-core'
import { perceptualNetGraph } from '../export/grad/perceptual-graph'
import type { PerceptualTerm } from '../export/grad/stage1a-graph'
import type { PerceptualLoss } from '../losses/perceptual'
import type { FlowMo } from '../model/flowmo'
import type { WeightMap } from '../model/weights'
import { Adam } from './optim'
import { Ema, EMA_EVERY } from './ema'
import { OrtTrainStep } from './ort-step'
import { StepRandom, drawFlow, noiseSyncSpec, regressionDraw } from './step-random'
import { captureNorms } from './weight-norm'
import { NonFiniteLossError, type StepLosses, type TrainerConfig } from './trainer'

/** What a run asks for that the step graph does not do, named (empty: this engine can train it). */
export function ortEngineGaps(cfg: Pick<TrainerConfig, 'stage' | 'gradAccumulation'>): string[] {
  return [
    cfg.stage !== '1a' && 'Stage 1B',
    cfg.gradAccumulation !== 1 && 'gradient accumulation',
  ].filter((gap): gap is string => gap !== false)
}

export class OrtTrainer {
  adam: Adam
  readonly ema: Ema
  private engine: OrtTrainStep | null = null
  private norms: Map<string, number> | null = null // ‖W₀‖_F, read before the first step
  private perceptualTerm: PerceptualTerm | null = null // the traced network, made at the first engine that needs it

  constructor(
    readonly model: FlowMo,
    readonly weights: WeightMap,
    readonly cfg: TrainerConfig,
    readonly perceptual: PerceptualLoss | null,
    public step: number,
    private readonly log: (line: string) => void = () => {}, // which device the step graph opened on, device fallbacks
  ) {
    const unsupported = ortEngineGaps(cfg)
    if (unsupported.length) throw new Error(`the onnxruntime training engine does not support ${unsupported.join(', ')}; use --engine tfjs`)
    this.adam = new Adam(this.groups())
    this.ema = new Ema(weights)
  }

  get encoderFrozen(): boolean {
    const after = (n: number | null) => n !== null && this.step >= n
    return after(this.cfg.freezeEncoderAfter) || after(this.cfg.mseEncoderSteps)
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
    const engine = (this.engine ??= await this.startEngine(batch))
    const { config } = this.model
    const draw = drawFlow(new StepRandom(this.cfg.seed, this.step, 0), batch, config.imageSize, this.cfg.timeDistribution, this.cfg.cfgDropout, noiseSyncSpec(config))
    const mse = this.cfg.mseEncoderSteps !== null && this.step < this.cfg.mseEncoderSteps // regression phase, as Trainer
    const out = await engine.step({ x, ...(mse ? regressionDraw(draw) : draw) }, this.cfg.lr)
    const flow = out.flow_loss
    const losses: StepLosses = { flow_loss: flow, quantizer_loss: out.quantizer_loss, perceptual_loss: out.perceptual_loss, total_loss: out.total_loss }
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
    const perceptual = this.graphPerceptual()
    const engine = await OrtTrainStep.create(this.model.config, plain, {
      batch, norms: this.norms!, intraOpNumThreads: 1, onNotice: this.log, ...(moments.step > 0 && { moments }),
      ...(frozen && { trainable: (name: string) => name.startsWith('decoder.') }), ...(perceptual && { perceptual }),
    })
    this.log(`training step graph on ${engine.device}${frozen ? ' (decoder only)' : ''}${perceptual ? `, with ${this.perceptual!.label}` : ''}`)
    return engine
  }

  /** λ·perceptual for the engine being built: none without a loss or weight, nor in the MSE phase (rebuilt at its end). */
  private graphPerceptual(): PerceptualTerm | null {
    const mse = this.cfg.mseEncoderSteps !== null && this.step < this.cfg.mseEncoderSteps
    if (!this.perceptual || this.cfg.perceptualWeight === 0 || mse) return null
    this.perceptualTerm ??= { net: perceptualNetGraph(this.perceptual), weight: this.cfg.perceptualWeight }
    return this.perceptualTerm
  }

  /** Closes the onnxruntime session (awaited: a thread ended while it closes takes the process down) and frees tensors. */
  async dispose(): Promise<void> {
    await this.engine?.release()
    this.engine = null
    this.adam.dispose()
    this.ema.dispose()
  }
}
