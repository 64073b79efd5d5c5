// The trainingDefaults call: what the start form offers, read from the engine's own tables — the presets of
// model/configs.ts (sizes, BPP, parameter counts), defaultRunOptions (train/run-options.ts), the perceptual kinds
// and their weight files (nets/weight-files.ts), and what the onnxruntime step lacks (train/ort-trainer.ts).
import type { EngineInfo, PerceptualInfo, PresetInfo, RunDefaults, RunStage, TrainingDefaults } from '../../shared/payloads/runs'
import { PRESETS, type FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { numel } from '../model/params'
import { bitsPerPixel } from '../metrics/codes'
import { weightFiles } from '../nets/weight-files'
import { defaultRunOptions } from '../train/run-options'

/** Above this many parameters a preset is GPU-scale (flowmo-small has 517 M, small-128 66 M, tiny-64 15 M). */
export const CPU_PARAMETER_LIMIT = 100_000_000

export function trainingDefaults(): TrainingDefaults {
  const presets = Object.values(PRESETS).map((make) => presetInfo(make()))
  return {
    presets: [...presets.filter((p) => !p.gpuScale), ...presets.filter((p) => p.gpuScale)],
    defaults: { '1a': runDefaults('1a'), '1b': runDefaults('1b') },
    perceptuals: PERCEPTUALS,
    engines: ENGINES,
  }
}

export function parameterCount(config: FlowMoConfig): number {
  return new FlowMo(config).parameters().reduce((n, p) => n + numel(p.shape), 0)
}

function presetInfo(c: FlowMoConfig): PresetInfo {
  const parameters = parameterCount(c)
  const gpuScale = parameters > CPU_PARAMETER_LIMIT
  return {
    name: c.name, imageSize: c.imageSize, patchSize: c.patchSize,
    encoder: { width: c.encoder.hiddenSize, depth: c.encoder.depth },
    decoder: { width: c.decoder.hiddenSize, depth: c.decoder.depth },
    tokens: c.codeLength, bits: c.contextDim, bitsPerPixel: bitsPerPixel(c.codeLength, c.contextDim, c.imageSize, c.imageSize),
    parameters, gpuScale,
    note: gpuScale ? `GPU-scale: ${Math.round(parameters / 1e6)} M parameters, too big to train on a CPU` : null,
  }
}

function runDefaults(stage: RunStage): RunDefaults {
  const d = defaultRunOptions(stage)
  return {
    maxSteps: d.maxSteps, batchSize: d.batchSize, lr: d.lr, logEvery: d.logEvery, sampleEvery: d.sampleEvery,
    valEvery: d.valEvery, checkpointEvery: d.checkpointEvery, keepLast: d.keepLast, keepEvery: d.keepEvery, perceptual: d.perceptual, perceptualWeight: d.perceptualWeight,
    engine: d.engine,
  }
}

const PERCEPTUALS: readonly PerceptualInfo[] = [
  { kind: 'none', label: 'none', weightFiles: [] },
  { kind: 'proxy', label: 'proxy (MobileNetV2, offline; not LPIPS)', weightFiles: [] },
  { kind: 'lpips-vgg', label: 'LPIPS-VGG (reference 1A; weight files)', weightFiles: [weightFiles.vgg16.fileName, weightFiles.lpipsVgg.fileName] },
  { kind: 'resnet50', label: 'ResNet-50 logits (reference 1B; weight files)', weightFiles: [weightFiles.resnet50.fileName] },
]

/** What each engine trains (test/trainer/run-control/training-defaults.test.ts checks OrtTrainer takes all of it). */
const ENGINES: readonly EngineInfo[] = [
  { name: 'tfjs', label: 'tfjs', stages: ['1a', '1b'], perceptual: ['1a', '1b'], gradAccumulation: true, note: null },
  {
    name: 'onnxruntime', label: 'onnxruntime (step graphs)', stages: ['1a', '1b'], perceptual: ['1a', '1b'], gradAccumulation: true,
    note: 'onnxruntime runs the training step as ONNX graphs (several times faster on a CPU); tfjs is the reference path.',
  },
]
