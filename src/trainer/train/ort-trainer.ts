// The Stage-1A optimiser step on onnxruntime-node (train/ort-step.ts: forward, gradients, Adam and the weight-norm
// projection in one graph, ~9× faster than tfjs-wasm on CPU), behind the same surface as `Trainer` so a run can
// use either. The tf variables, EMA and Adam object are refreshed from the engine by `sync()` before validation
// and checkpoints, and every EMA interval. Limits: Stage 1A, no perceptual term, no gradient accumulation.
import * as tf from '@tensorflow/tfjs-core'
import type { FlowMo } from '../model/flowmo'
import type { WeightMap } from '../model/weights'
import { Adam } from './optim'
import { Ema, EMA_EVERY } from './ema'
import { OrtTrainStep } from './ort-step'
import { StepRandom, drawFlow } from './step-random'
import { captureNorms } from './weight-norm'
import { NonFiniteLossError, type StepLosses, type TrainerConfig } from './trainer'

export class OrtTrainer {
  readonly adam: Adam
  readonly ema: Ema
  corruptLossAtStep: number | null = null // test hook, as Trainer's
  private engine: OrtTrainStep | null = null
  private readonly norms: Map<string, number>

  constructor(readonly model: FlowMo, readonly weights: WeightMap, readonly cfg: TrainerConfig, public step: number) {
    const unsupported = [
      cfg.stage !== '1a' && 'Stage 1B',
      cfg.perceptualWeight !== 0 && 'a perceptual term (use --perceptual none)',
      cfg.gradAccumulation !== 1 && 'gradient accumulation',
    ].filter(Boolean)
    if (unsupported.length) throw new Error(`the onnxruntime training engine does not support ${unsupported.join(', ')}; use --engine tfjs`)
    const names = model.parameters().map((p) => p.name)
    this.adam = new Adam([
      { name: 'encoder', lr: cfg.lr, params: names.filter((n) => n.startsWith('encoder.')) },
      { name: 'decoder', lr: cfg.lr, params: names.filter((n) => n.startsWith('decoder.')) },
    ])
    this.ema = new Ema(weights)
    this.norms = captureNorms(weights) // at (re)start, as the reference
  }

  /** One optimiser step; the first call builds the step graph (after a resume has restored `adam`). */
  async trainStep(x: Float32Array, batch: number): Promise<StepLosses> {
    if (this.cfg.freezeEncoderAfter !== null && this.step >= this.cfg.freezeEncoderAfter) {
      throw new Error(`step ${this.step}: the encoder freeze is not supported by the onnxruntime engine; resume with --engine tfjs`)
    }
    const engine = (this.engine ??= await this.startEngine(batch))
    const draw = drawFlow(new StepRandom(this.cfg.seed, this.step, 0), batch, this.model.config.imageSize, this.cfg.timeDistribution, this.cfg.cfgDropout)
    const out = await engine.step({ x, ...draw }, this.cfg.lr)
    const flow = this.corruptLossAtStep === this.step ? NaN : out.flow_loss
    const losses: StepLosses = { flow_loss: flow, quantizer_loss: out.quantizer_loss, perceptual_loss: 0, total_loss: flow + out.quantizer_loss }
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

  private startEngine(batch: number): Promise<OrtTrainStep> {
    const plain = new Map([...this.weights].map(([name, v]) => [name, v.dataSync() as Float32Array]))
    const moments = this.adam.moments()
    return OrtTrainStep.create(this.model.config, plain, {
      batch, norms: this.norms, intraOpNumThreads: 1, ...(moments.step > 0 && { moments }),
    })
  }

  dispose(): void {
    void this.engine?.release()
    this.adam.dispose()
    this.ema.dispose()
  }
}
