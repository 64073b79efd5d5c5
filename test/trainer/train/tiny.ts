// Shared fixtures for the training tests: a tiny FlowMo (16×16 images unless asked, patch 4, width 32, 1+1 blocks) and images.
import { buildConfig, type FlowMoConfig } from '../../../src/trainer/model/configs'
import type { TrainerConfig } from '../../../src/trainer/train/trainer'

export const baseTrainer: TrainerConfig = {
  stage: '1a', lr: 1e-3, gradAccumulation: 1, freezeEncoderAfter: null, mseEncoderSteps: null, timeDistribution: 'fat_lognormal',
  perceptualWeight: 0, cfgDropout: 0.1, chainSteps: 2, seed: 3,
}

export function tinyConfig(over: { decoderDepth?: number; imageSize?: number } = {}): FlowMoConfig {
  const stack = { hiddenSize: 32, numHeads: 2, axesDim: [4, 6, 6] }
  return buildConfig({
    name: 'test-tiny', imageSize: over.imageSize ?? 16, patchSize: 4, codeLength: 8, contextDim: 6, codebookSizeForEntropy: 3,
    encoder: { ...stack, depth: 1 }, decoder: { ...stack, depth: over.decoderDepth ?? 1 },
  })
}

/** Smooth, distinct test images [B, 3, S, S] in [−1, 1]. */
export function smoothImages(batch: number, S: number): Float32Array {
  const x = new Float32Array(batch * 3 * S * S)
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < S; i++)
        for (let j = 0; j < S; j++) x[((b * 3 + c) * S + i) * S + j] = 0.8 * Math.sin((i + 1) * (b + 1) * 0.3 + c) * Math.cos(j * 0.2 * (c + 1) - b)
  return x
}
