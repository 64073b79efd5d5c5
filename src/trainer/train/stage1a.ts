// Stage-1A loss (mode matching; reference models.py `rf_loss`, spec §3.1): flow loss + quantiser loss +
// λ_perc·perceptual(x, x̂) on the one-step estimate x̂ = x_t − t·v̂, with per-sample CFG dropout of the whole code
// (and DiTo's noise sync on a continuous latent).
import * as tf from '@tensorflow/tfjs-core'
import { codeInput, type FlowMo } from '../model/flowmo'
import { quantizerFor } from '../model/quantizer'
import { syncCode } from '../losses/noise-sync'
import { TfOps } from '../model/tf-ops'
import { denoisedEstimate, flowLoss, noisyInput } from '../losses/rectified-flow'
import type { PerceptualLoss } from '../losses/perceptual'
import type { FlowDraw } from './step-random'

export interface LossPieces {
  flow: tf.Scalar
  quantizer: tf.Scalar
  perceptual: tf.Scalar // already multiplied by λ
  total: tf.Scalar
}

export interface LossContext {
  readonly model: FlowMo
  readonly weights: ReadonlyMap<string, tf.Tensor>
  readonly perceptual: PerceptualLoss | null
  readonly perceptualWeight: number // λ_perc: 0.1 in 1A, λ_sample 0.01 in 1B
}

/** The flow and quantiser terms shared by both stages; returns v̂, x_t and t for the perceptual term. */
export function flowTerms(ctx: LossContext, x: tf.Tensor4D, codePre: tf.Tensor, d: FlowDraw) {
  const { model } = ctx
  const config = model.config
  const o = new TfOps(ctx.weights)
  const [B, , S] = x.shape
  const quantizer = quantizerFor(config)
  const keep = tf.tensor3d(d.keep, [B, 1, 1]) // CFG dropout: 0 zeroes bits and the mask channel
  const code = quantizer.quantize(d.sync ? syncCode(codePre, d.sync) : codePre, true)
  const codeIn = tf.mul(codeInput(o, code), keep)
  const t = tf.tensor1d(d.t)
  const eps = tf.tensor4d(d.eps, [B, 3, S, S])
  const xt = noisyInput(x, eps, t)
  const v = model.decode(o, xt, codeIn, t)
  return { flow: flowLoss(v, x, eps), quantizer: quantizer.loss(codePre), v, xt, t }
}

/** λ·mean(perceptual(x, x̂)), or 0 without a network. */
export function perceptualTerm(ctx: LossContext, x: tf.Tensor4D, xHat: tf.Tensor): tf.Scalar {
  if (!ctx.perceptual || ctx.perceptualWeight === 0) return tf.scalar(0)
  return tf.mul(ctx.perceptual.distance(x, xHat as tf.Tensor4D), ctx.perceptualWeight) as tf.Scalar // batch mean
}

export function stage1aLoss(ctx: LossContext, x: tf.Tensor4D, d: FlowDraw): LossPieces {
  const codePre = ctx.model.encode(new TfOps(ctx.weights), x)
  const { flow, quantizer, v, xt, t } = flowTerms(ctx, x, codePre, d)
  const perceptual = ctx.perceptual ? perceptualTerm(ctx, x, denoisedEstimate(xt, v, t)) : tf.scalar(0)
  return { flow, quantizer, perceptual, total: tf.addN([flow, quantizer, perceptual]) as tf.Scalar }
}
