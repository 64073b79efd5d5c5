// One optimiser step of either stage (reference train.py loop): gradient accumulation over chunks (loss / n_acc summed),
// a NaN/Inf guard before any weight changes, Adam with encoder/decoder groups, the encoder freeze (decoder-only optimiser),
// the weight-norm projection, then the EMA. GPU data is read only with awaits (webgpu in Node has no synchronous read).
import * as tf from '@tensorflow/tfjs-core'
import type { FlowMo } from '../model/flowmo'
import type { WeightMap } from '../model/weights'
import type { TimeDistribution } from '../losses/rectified-flow'
import type { PerceptualLoss } from '../losses/perceptual'
import { Adam, type ParamGroup } from './optim'
import { Ema } from './ema'
import { captureNorms, projectNorms } from './weight-norm'
import { stage1aLoss, type LossPieces } from './stage1a'
import { frozenCode, stage1bLoss } from './stage1b'
import type { MemoryProbe } from './checkpointed-decoder'
import { StepRandom, drawChain, drawFlow, noiseSyncSpec, regressionDraw } from './step-random'

export type Stage = '1a' | '1b'

export interface TrainerConfig {
  stage: Stage
  lr: number // 1e-4 (1A), 5e-5 (1B); both groups
  gradAccumulation: number // chunks per step (reference 2)
  freezeEncoderAfter: number | null // step from which the encoder is frozen (reference 200 000; 1B: always)
  mseEncoderSteps: number | null // steps of MSE regression before the encoder is frozen (Table 4 ablation); null: end to end
  timeDistribution: TimeDistribution // fat_lognormal
  perceptualWeight: number // 0.1 (1A LPIPS), 0.01 (1B λ_sample)
  cfgDropout: number // 0.1
  chainSteps: number // 8 (1B)
  seed: number
}

/** Loss values of one step, averaged over its chunks. */
export interface StepLosses {
  flow_loss: number
  quantizer_loss: number
  perceptual_loss: number
  total_loss: number
}

export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly piece: keyof StepLosses, readonly value: number) {
    super(`step ${step}: ${piece} is ${value}; stopping before the weights change (the last checkpoint is kept)`)
    this.name = 'NonFiniteLossError'
  }
}

export class Trainer {
  adam: Adam
  readonly ema: Ema
  private norms: Map<string, number> | null = null // ‖W₀‖_F, read before the first step
  probe?: MemoryProbe // test hook: samples memory inside the Stage-1B chain

  constructor(
    readonly model: FlowMo, readonly weights: WeightMap, readonly cfg: TrainerConfig,
    readonly perceptual: PerceptualLoss | null, public step: number,
  ) {
    this.adam = new Adam(this.groups())
    this.ema = new Ema(weights)
  }

  get encoderFrozen(): boolean {
    const after = (n: number | null) => n !== null && this.step >= n
    return this.cfg.stage === '1b' || after(this.cfg.freezeEncoderAfter) || after(this.cfg.mseEncoderSteps)
  }

  private groups(): ParamGroup[] {
    const names = this.model.parameters().map((p) => p.name)
    const decoder: ParamGroup = { name: 'decoder', lr: this.cfg.lr, params: names.filter((n) => n.startsWith('decoder.')) }
    if (this.encoderFrozen) return [decoder]
    return [{ name: 'encoder', lr: this.cfg.lr, params: names.filter((n) => n.startsWith('encoder.')) }, decoder]
  }

  /** One optimiser step on the batch x [B, 3, S, S]; rejects with NonFiniteLossError before any update. */
  async trainStep(x: Float32Array, batch: number): Promise<StepLosses> {
    if (this.encoderFrozen && this.adam.groups.length === 2) this.rebuildOptimizer()
    this.norms ??= await captureNorms(this.weights) // at (re)start, as the reference: nothing moves the weights before
    const trainable = this.adam.groups.flatMap((g) => g.params).map((n) => this.weights.get(n)!)
    const grads = new Map<string, tf.Tensor>() // summed over chunks, outside any tidy
    let losses: StepLosses
    try {
      losses = await this.accumulate(x, batch, trainable, grads)
      this.guard(losses)
      this.adam.step(this.weights, grads)
    } finally {
      tf.dispose([...grads.values()])
    }
    projectNorms(this.weights, this.norms)
    this.step += 1
    this.ema.maybeUpdate(this.step, this.weights)
    return losses
  }

  /** Encoder freeze: the optimiser is rebuilt with the decoder group only (its Adam state is lost, as the reference). */
  private rebuildOptimizer(): void {
    this.adam.dispose()
    this.adam = new Adam(this.groups())
  }

  /** Adds each chunk's gradients into `grads`; returns the chunk-mean losses. */
  private async accumulate(x: Float32Array, batch: number, trainable: tf.Variable[], grads: Map<string, tf.Tensor>): Promise<StepLosses> {
    const n = this.cfg.gradAccumulation
    if (batch % n !== 0) throw new Error(`batch ${batch} does not split into ${n} gradient-accumulation chunks`)
    const chunk = batch / n
    const S = this.model.config.imageSize
    const byVar = new Map(trainable.map((v) => [v.name, v]))
    const nameOf = new Map([...this.weights].map(([name, v]) => [v.name, name]))
    const sums: StepLosses = { flow_loss: 0, quantizer_loss: 0, perceptual_loss: 0, total_loss: 0 }
    for (let c = 0; c < n; c++) {
      const xc = x.subarray(c * chunk * 3 * S * S, (c + 1) * chunk * 3 * S * S)
      let pieces: LossPieces | null = null // kept through the tidy, disposed after the read
      tf.tidy(() => {
        const res = this.chunkGradients(xc, chunk, c, byVar)
        for (const [vn, gv] of Object.entries(res.grads)) addInto(grads, nameOf.get(vn)!, gv)
        pieces = res.pieces
      })
      const values = await readPieces(pieces!) // sync point: one read of the loss pieces per chunk
      for (const k of Object.keys(sums) as (keyof StepLosses)[]) sums[k] += values[k] / n
    }
    return sums
  }

  private chunkGradients(xc: Float32Array, chunk: number, c: number, byVar: Map<string, tf.Variable>) {
    const S = this.model.config.imageSize
    const cfg = this.cfg
    const mse = cfg.mseEncoderSteps !== null && this.step < cfg.mseEncoderSteps // regression phase: MSE only
    const ctx = { model: this.model, weights: this.weights, perceptual: this.perceptual, perceptualWeight: mse ? 0 : cfg.perceptualWeight, chainSteps: cfg.chainSteps, probe: this.probe }
    const r = new StepRandom(cfg.seed, this.step, c)
    const draw = drawFlow(r, chunk, S, cfg.timeDistribution, cfg.cfgDropout, noiseSyncSpec(this.model.config))
    const flow = mse ? regressionDraw(draw) : draw
    const x = tf.tensor4d(xc, [chunk, 3, S, S])
    const codePre = cfg.stage === '1b' ? frozenCode(ctx, x) : null
    const chain = cfg.stage === '1b' ? drawChain(r, chunk, S, cfg.chainSteps) : null
    let pieces: LossPieces | null = null
    const { value, grads } = tf.variableGrads(() => {
      pieces = codePre && chain ? stage1bLoss(ctx, x, codePre, { ...flow, ...chain }) : stage1aLoss(ctx, x, flow)
      pieces.total = tf.addN([pieces.flow, pieces.quantizer, pieces.perceptual]) as tf.Scalar
      for (const t of [pieces.flow, pieces.quantizer, pieces.perceptual, pieces.total]) tf.keep(t) // read after the tape
      return tf.div(pieces.total, cfg.gradAccumulation) as tf.Scalar
    }, [...byVar.values()])
    value.dispose()
    return { grads, pieces: pieces! as LossPieces }
  }

  private guard(losses: StepLosses): void {
    for (const [k, v] of Object.entries(losses) as [keyof StepLosses, number][]) {
      if (!Number.isFinite(v)) throw new NonFiniteLossError(this.step + 1, k, v)
    }
  }

  /** Nothing to copy: this engine's weights and moments live in the tf variables (see OrtTrainer.sync). */
  sync(): void {}

  dispose(): void {
    this.adam.dispose()
    this.ema.dispose()
  }
}

/** grads[name] += g, keeping the sum outside the chunk's tidy. */
function addInto(grads: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = grads.get(name)
  grads.set(name, tf.keep(prev ? tf.add(prev, g) : g))
  if (prev) prev.dispose()
}

/** Awaits the four loss scalars together (no synchronous GPU read) and disposes them, whether or not the reads succeed. */
async function readPieces(p: LossPieces): Promise<StepLosses> {
  const scalars = [p.flow, p.quantizer, p.perceptual, p.total]
  try {
    const [flow, quantizer, perceptual, total] = (await Promise.all(scalars.map((t) => t.data()))).map((d) => d[0])
    return { flow_loss: flow, quantizer_loss: quantizer, perceptual_loss: perceptual, total_loss: total }
  } finally {
    tf.dispose(scalars)
  }
}
