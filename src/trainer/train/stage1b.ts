// Stage-1B loss (mode seeking; reference `reconstruct_checkpoint` + rf_loss with lpips_mode 'resnet', spec §3.5):
// encoder frozen; flow + quantiser loss + λ_sample·perceptual(x, sample) where the sample is a k-step chain on
// per-sample random decreasing grids, no CFG, differentiated end to end with per-call gradient checkpointing.
import * as tf from '@tensorflow/tfjs-core'
import { codeInput } from '../model/flowmo'
import { quantizerFor } from '../model/quantizer'
import { TfOps } from '../model/tf-ops'
import { chainGrid, runChain } from '../sample/chain'
import { checkpointedVelocity, type MemoryProbe } from './checkpointed-decoder'
import { flowTerms, perceptualTerm, type LossContext, type LossPieces } from './stage1a'
import type { ChainDraw, FlowDraw } from './step-random'

export interface Stage1bContext extends LossContext {
  readonly chainSteps: number // k = 8
  readonly probe?: MemoryProbe
}

/** The chain's sample for code `codeIn` (no dropout), backpropagated through every decoder call. */
export function chainSample(ctx: Stage1bContext, codeIn: tf.Tensor, d: ChainDraw, batch: number): tf.Tensor {
  const S = ctx.model.config.imageSize
  const grid = chainGrid(d.u, batch, ctx.chainSteps)
  const velocity = checkpointedVelocity(ctx.model, ctx.weights, codeIn, ctx.probe)
  return runChain(velocity, tf.tensor4d(d.z0, [batch, 3, S, S]), grid, batch, ctx.chainSteps)
}

/** The frozen encoder's continuous code; computed outside the gradient tape (no parameter of it trains). */
export function frozenCode(ctx: LossContext, x: tf.Tensor4D): tf.Tensor {
  return ctx.model.encode(new TfOps(ctx.weights), x)
}

export function stage1bLoss(ctx: Stage1bContext, x: tf.Tensor4D, codePre: tf.Tensor, d: FlowDraw & ChainDraw): LossPieces {
  const { flow, quantizer } = flowTerms(ctx, x, codePre, d)
  let perceptual: tf.Scalar = tf.scalar(0)
  if (ctx.perceptual && ctx.perceptualWeight !== 0) {
    const codeIn = codeInput(new TfOps(ctx.weights), quantizerFor(ctx.model.config).quantize(codePre, false))
    perceptual = perceptualTerm(ctx, x, chainSample(ctx, codeIn, d, x.shape[0]))
  }
  return { flow, quantizer, perceptual, total: tf.addN([flow, quantizer, perceptual]) as tf.Scalar }
}
