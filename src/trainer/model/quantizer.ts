// One interface over the three ways a FlowMo code is made (reference models.py `FlowMo._quantize`): LFQ signs, FSQ
// levels and the continuous latent (a LayerNorm closes the encoder, see flowmo.ts; nothing is rounded). The code size
// each implies: bits per token and per pixel for LFQ/FSQ, the latent's value count for the continuous one.
import * as tf from '@tensorflow/tfjs-core'
import type { FlowMoConfig, QuantizerConfig } from './configs'
import { lfqLosses, quantize as lfqSign, quantizeSTE as lfqSignSTE } from './lfq'
import { fsqBitsPerToken, fsqQuantize, fsqValues } from './fsq'

export interface Quantizer {
  readonly config: QuantizerConfig
  /** code_pre [B, L, C] → code [B, L, C]; `ste` keeps the straight-through gradient (training). */
  quantize(codePre: tf.Tensor, ste: boolean): tf.Tensor
  /** The quantiser's training loss on code_pre: LFQ w_e·entropy + w_c·commitment; 0 for FSQ and the continuous code. */
  loss(codePre: tf.Tensor): tf.Scalar
  /** `quantize` on plain values (the ONNX inference path, where the encoder graph ends at code_pre). */
  values(codePre: Float32Array): Float32Array
}

export function quantizerFor(c: FlowMoConfig): Quantizer {
  const q = c.quantizer
  switch (q.kind) {
    case 'lfq':
      return {
        config: q,
        quantize: (x, ste) => (ste ? lfqSignSTE(x) : lfqSign(x)),
        loss: (x) => lfqLosses(x, c.codebookSizeForEntropy, c.entropyLossWeight, c.commitLossWeight).quantizerLoss,
        values: (x) => x.map((v) => (v > 0 ? 1 : -1)), // 0 → −1, as lfq.ts `quantize`
      }
    case 'fsq':
      return { config: q, quantize: (x, ste) => fsqQuantize(x, q.levels, ste), loss: () => tf.scalar(0), values: (x) => fsqValues(x, q.levels) }
    case 'continuous':
      return { config: q, quantize: (x) => x, loss: () => tf.scalar(0), values: (x) => x.slice() }
  }
}

export interface CodeSize {
  readonly bitsPerToken: number | null // C (LFQ), Σ log2 L_c (FSQ), null (continuous)
  readonly bitsPerPixel: number | null // L · bitsPerToken / S²
  readonly latentValues: number // L · C numbers per image
  readonly label: string // "64 tokens × 12 bits = 0.1875 BPP (LFQ)"
}

export function codeSize(c: FlowMoConfig): CodeSize {
  const { codeLength: L, contextDim: C, imageSize: S, quantizer: q } = c
  const bitsPerToken = q.kind === 'lfq' ? C : q.kind === 'fsq' ? fsqBitsPerToken(q.levels) : null
  const bitsPerPixel = bitsPerToken === null ? null : (L * bitsPerToken) / (S * S)
  const label = q.kind === 'lfq'
    ? `${L} tokens × ${C} bits = ${bitsPerPixel!.toFixed(4)} BPP (LFQ)`
    : q.kind === 'fsq'
      ? `${L} tokens × ${C} channels, levels [${q.levels.join(', ')}] = ${bitsPerToken!.toFixed(2)} bits/token, ${bitsPerPixel!.toFixed(4)} BPP (FSQ)`
      : `${L} tokens × ${C} floats = ${L * C} latent values, no BPP (continuous, noise sync ${q.noiseSync})`
  return { bitsPerToken, bitsPerPixel, latentValues: L * C, label }
}

/** Whether the code is ±1 per channel (bit views and bit statistics apply). */
export const isBitCode = (c: FlowMoConfig): boolean => c.quantizer.kind === 'lfq'
