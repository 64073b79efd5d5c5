// What each ablation row trains and how it is evaluated: the Stage-1A run its training toggles ask for (rows that
// differ only at sampling time share the baseline's run), the Stage-1B run of Table 5's row, and the eval sampler.
import { join } from 'node:path'
import { withPatchSize, withQuantizer } from '../model/config-variants'
import { DEFAULT_SAMPLING, preset, type FlowMoConfig, type SamplingConfig } from '../model/configs'
import type { PerceptualKind } from '../losses/perceptual'
import { powSchedule } from '../sample/schedule'
import { RunDir } from '../train/run-dir'
import { defaultRunOptions, type RunOptions } from '../train/run-options'
import { VARIANTS, type AblationToggles, type Variant } from './variants'

/** One ablation study: the same data, seed and steps for every row. */
export interface AblationSetup {
  readonly data: string // training images
  readonly val: string // evaluation images
  readonly preset: string // e.g. tiny-64 (with `config`: its label)
  readonly config?: FlowMoConfig // the model instead of the preset's (a config file)
  readonly lr?: number // Stage-1A learning rate (default 1e-4, the reference's)
  readonly maxSteps: number // Stage-1A steps of every run
  readonly stage1bSteps: number // Stage-1B steps of Table 5's row, on top of the baseline
  readonly seed: number
  readonly batchSize: number
  readonly perceptual: PerceptualKind // the network of the perceptual term (proxy offline; lpips-vgg as the paper; none: no term in any row)
  readonly engine?: EngineChoice // training engine of every run (default auto)
  readonly evalImages: number // the first N of `val`, sorted
  readonly sampleSteps: number // sampler steps of every eval (25)
  readonly out: string
}

/** auto: the onnxruntime step graphs (~9× faster on CPU; they train every setting); tfjs: the reference path. */
export type EngineChoice = 'auto' | 'tfjs' | 'onnxruntime'

export interface RunPlan {
  readonly key: string // run folder under <out>/runs
  readonly options: RunOptions
}

export interface RowPlan {
  readonly variant: Variant
  readonly train1a: RunPlan
  readonly train1b: RunPlan | null
  readonly sampling: SamplingConfig
}

const TRAINING_TOGGLES: readonly (keyof AblationToggles)[] = ['patchScale', 'encoder', 'perceptualWeight', 'quantizer', 'timeDistribution']

/** The first variant with the same Stage-1A training: its id names the shared run folder. */
function trainingKey(t: AblationToggles): string {
  return VARIANTS.find((v) => TRAINING_TOGGLES.every((k) => v.toggles[k] === t[k]))!.id
}

function stage1a(s: AblationSetup, t: AblationToggles): RunPlan {
  const key = trainingKey(t)
  let config = s.config ?? preset(s.preset)
  if (t.patchScale !== 1) config = withPatchSize(config, config.patchSize * t.patchScale)
  if (t.quantizer !== 'lfq') config = withQuantizer(config, { kind: t.quantizer })
  const options: RunOptions = {
    ...defaultRunOptions('1a'), data: s.data, val: s.val, out: join(s.out, 'runs', key), config, seed: s.seed, lr: s.lr ?? defaultRunOptions('1a').lr,
    maxSteps: s.maxSteps, batchSize: s.batchSize, perceptual: s.perceptual, perceptualWeight: t.perceptualWeight,
    timeDistribution: t.timeDistribution, mseEncoderSteps: t.encoder === 'mse-then-frozen' ? Math.max(1, Math.floor(s.maxSteps / 2)) : null,
    logEvery: Math.max(1, Math.floor(s.maxSteps / 20)), sampleEvery: s.maxSteps, valEvery: s.maxSteps, checkpointEvery: Math.max(1, Math.floor(s.maxSteps / 4)),
    keepLast: 1, valImages: 2,
  }
  return { key, options: { ...options, engine: engineFor(s.engine ?? 'auto') } }
}

/** The engine of one run: the onnxruntime step graphs train every setting, so auto takes them. */
function engineFor(choice: EngineChoice): RunOptions['engine'] {
  return choice === 'tfjs' ? 'tfjs' : 'onnxruntime'
}

function stage1b(s: AblationSetup, from: RunPlan): RunPlan {
  const d = defaultRunOptions('1b')
  return {
    key: 'stage-1b',
    options: {
      ...from.options, stage: '1b', lr: d.lr, perceptualWeight: d.perceptualWeight, freezeEncoderAfter: null, mseEncoderSteps: null,
      out: join(s.out, 'runs', 'stage-1b'), init: finalCheckpoint(from), maxSteps: s.stage1bSteps, logEvery: 1,
      sampleEvery: s.stage1bSteps, valEvery: s.stage1bSteps, checkpointEvery: Math.max(1, Math.floor(s.stage1bSteps / 2)),
    },
  }
}

/** The last checkpoint a finished run writes. */
export function finalCheckpoint(run: RunPlan): string {
  return new RunDir(run.options.out).checkpointFiles(run.options.maxSteps).model
}

/** The eval sampler: the paper's (ρ 4, CFG 1.5 in σ ∈ (.17, 1.02)) unless the row turns a part off. */
export function evalSampling(s: AblationSetup, t: AblationToggles): SamplingConfig {
  return {
    steps: s.sampleSteps, schedule: powSchedule(t.samplerRho),
    cfg: t.guidance ? DEFAULT_SAMPLING.cfg : 1, cfgInterval: t.guidance ? DEFAULT_SAMPLING.cfgInterval : null,
  }
}

export function planRows(s: AblationSetup, variants: readonly Variant[] = VARIANTS): RowPlan[] {
  return variants.map((variant) => {
    const train1a = stage1a(s, variant.toggles)
    return { variant, train1a, train1b: variant.toggles.stage1b ? stage1b(s, train1a) : null, sampling: evalSampling(s, variant.toggles) }
  })
}
