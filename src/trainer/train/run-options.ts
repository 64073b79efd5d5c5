// What a training run is asked to do (CLI flags / the protocol's startRun payload) and what it reports back.
// Defaults follow the reference (spec §3) where it has one; the rest are sized for small local runs.
import type { FlowMoConfig } from '../model/configs'
import type { TimeDistribution } from '../losses/rectified-flow'
import type { PerceptualKind } from '../losses/perceptual'
import type { Stage, StepLosses } from './trainer'

export interface RunOptions {
  data: string // training image folder
  val?: string // validation folder (default: the training folder, centre crops)
  out: string // run directory
  config: FlowMoConfig // model shape (preset or config file; a resume takes the checkpoint's)
  stage: Stage // '1a' mode matching | '1b' mode seeking
  init?: string // start from these weights (e.g. a Stage-1A checkpoint for Stage 1B): fresh EMA and Adam
  initStateDict?: 'raw' | 'ema' // which weights of `init` (default raw, as the reference)
  resume?: boolean // continue from the newest complete checkpoint in `out`
  maxSteps: number // total optimiser steps of the run, e.g. 2000
  batchSize: number // images per step, e.g. 8
  gradAccumulation: number // chunks per step (reference 2)
  lr: number // 1e-4 (1A) / 5e-5 (1B)
  seed: number // init, data order, crops and step draws
  logEvery: number // metrics.jsonl + step event every N steps (10)
  sampleEvery: number // sample grid PNG every N steps (500)
  valEvery: number // PSNR/SSIM on the validation subset every N steps (500)
  checkpointEvery: number // checkpoint every N steps (500)
  keepLast: number // newest checkpoints kept (3)
  keepEvery: number | null // plus every one at a multiple of this step (null: none)
  freezeEncoderAfter: number | null // 1A: encoder frozen from this step (reference 200 000)
  mseEncoderSteps: number | null // Table 4 "MSE-trained encoder": the first N steps regress x from the code (t = 1, MSE only), then the encoder is frozen; null: end to end
  timeDistribution: TimeDistribution // fat_lognormal
  cfgDropout: number // 0.1
  chainSteps: number // Stage-1B chain length k (8)
  perceptual: PerceptualKind // none | lpips-vgg (reference 1A) | resnet50 (reference 1B) | proxy (offline default)
  perceptualWeight: number // 0.1 (1A LPIPS) / 0.01 (1B λ_sample)
  weightsDir?: string // folder with the perceptual networks' weight files
  allowPerceptualFallback: boolean // missing network → proxy → none, with a notice
  valImages: number // validation images reconstructed and scored (8)
  evalWeights: 'raw' | 'ema' // weights used for samples and validation (raw: the EMA barely moves in short runs)
  augment: boolean // training crops: scaled crops (½–1 of the shorter side) resized to the model size + flips (data/augment.ts)
  engine: 'tfjs' | 'onnxruntime' // onnxruntime (default): the step as ONNX graphs, ~9× faster on CPU; tfjs: the reference path
}

export function defaultRunOptions(stage: Stage): Omit<RunOptions, 'data' | 'out' | 'config'> {
  return {
    stage, maxSteps: 1000, batchSize: 8, gradAccumulation: 1, lr: stage === '1a' ? 1e-4 : 5e-5, seed: 0,
    logEvery: 10, sampleEvery: 500, valEvery: 500, checkpointEvery: 500, keepLast: 3, keepEvery: null,
    freezeEncoderAfter: stage === '1a' ? 200_000 : null, mseEncoderSteps: null, timeDistribution: 'fat_lognormal', cfgDropout: 0.1, chainSteps: 8,
    perceptual: 'proxy', perceptualWeight: stage === '1a' ? 0.1 : 0.01,
    allowPerceptualFallback: false, valImages: 8, evalWeights: 'raw', augment: false, engine: 'onnxruntime',
  }
}

export interface StepEvent extends StepLosses {
  step: number
  maxSteps: number
  stage: Stage
  lr: number
  it_s: number // optimiser steps per second over the last log interval
  eta_s: number
  elapsed_s: number
}

export interface SampleEvent {
  step: number
  path: string
  png: Uint8Array
  rgb: Uint8Array // HWC, originals in the top row, reconstructions below
  width: number
  height: number
}

export interface ValidationEvent {
  step: number
  val_psnr: number
  val_ssim: number
  val_baseline_psnr: number // each image filled with its own mean colour
  bit_balance: number[]
}

export interface CheckpointEvent {
  step: number
  path: string
}

export interface RunSummary {
  status: 'finished' | 'stopped'
  step: number
  lastCheckpoint: string | null
}

export interface RunEvents {
  onStart?(e: { step: number; maxSteps: number; stage: Stage }): void // after setup, before the first step
  onStep?(e: StepEvent): void
  onSample?(e: SampleEvent): void
  onValidation?(e: ValidationEvent): void
  onCheckpoint?(e: CheckpointEvent): void
  onLog?(line: string): void // notices: skipped files, perceptual fallback, resume source
  onDone?(s: RunSummary): void
  onError?(e: Error): void
}
