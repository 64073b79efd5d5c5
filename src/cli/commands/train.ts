// `flowmo train`: a Stage-1A or Stage-1B run from the command line, with a progress bar, metrics.jsonl, sample
// grids and checkpoints in the run directory; Ctrl-C (or SIGTERM) finishes the step and writes a checkpoint.
import { integerOption, numberOption, parseCommandArgs, requestedBackend, UsageError } from '../args'
import type { Command } from '../command'
import { backendBanner } from '../banner'
import { ProgressLine } from '../progress'
import { stage2Usage } from './train-stage2'
import type { RunRequestInput } from '../../trainer/run-control/run-request'
import type { RunOptions } from '../../trainer/train/run-options'
import type { FlowMoConfig } from '../../trainer/model/configs'

const optionSpecs = {
  data: { type: 'string' }, val: { type: 'string' }, out: { type: 'string' }, preset: { type: 'string' }, config: { type: 'string' },
  stage: { type: 'string' }, init: { type: 'string' }, 'init-state-dict': { type: 'string' }, resume: { type: 'boolean' },
  'max-steps': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'keep-last': { type: 'string' }, 'keep-every': { type: 'string' },
  batch: { type: 'string' }, 'grad-acc': { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' },
  'log-every': { type: 'string' }, 'sample-every': { type: 'string' }, 'val-every': { type: 'string' }, 'val-images': { type: 'string' },
  'eval-weights': { type: 'string' }, 'freeze-encoder-after': { type: 'string' }, 'time-dist': { type: 'string' },
  'chain-steps': { type: 'string' }, perceptual: { type: 'string' }, 'perceptual-weight': { type: 'string' },
  'weights-dir': { type: 'string' }, 'allow-perceptual-fallback': { type: 'boolean' }, engine: { type: 'string' },
  augment: { type: 'boolean' },
  quantizer: { type: 'string' }, 'fsq-levels': { type: 'string' }, 'noise-sync': { type: 'string' }, 'patch-size': { type: 'string' },
  'sampler-rho': { type: 'string' }, guidance: { type: 'string' }, 'mse-encoder-steps': { type: 'string' },
} as const

type Values = ReturnType<typeof parseCommandArgs<typeof optionSpecs>>['values']

export const train: Command = {
  name: 'train',
  summary: 'train a tokenizer (Stage 1A mode matching, Stage 1B mode seeking) with checkpoints and resume',
  usage: [
    'flowmo train --data <dir> [--val <dir>] (--preset <name> | --config <file>) --out <run-dir> [options]',
    '',
    '  --data <dir>             training images (recursive; unusable files are skipped and listed)',
    '  --val <dir>              validation images (default: the training folder)',
    '  --preset <name>          tiny-64 | small-128 | flowmo-lo | flowmo-hi | flowmo-small',
    '  --config <file>          model config (explicit sizes or the reference layout) instead of a preset',
    '  --out <run-dir>          run directory: run.json, checkpoints/, metrics.jsonl, samples/',
    '  --resume                 continue from the newest complete checkpoint in <run-dir>: its stage, model and',
    '                           settings (run.json); flags that contradict them are refused, --data may be left out',
    '  --stage 1a|1b            1a: flow + quantiser + perceptual on the one-step estimate (default);',
    '                           1b: encoder frozen, perceptual on an 8-step chain sample, backpropagated',
    '  --init <ckpt>            start from these weights (Stage 1B from a 1A run); fresh EMA and Adam',
    '  --init-state-dict raw|ema  which weights of --init (default raw, as the reference)',
    '  --max-steps <n>          total optimiser steps (default 1000)',
    '  --checkpoint-every <k>   checkpoint every k steps (default 500); also on Ctrl-C and at the end',
    '  --keep-last <k>          newest checkpoints kept (default 3)   --keep-every <m>  also keep multiples of m',
    '  --batch <n>              images per step (default 8)           --grad-acc <n>    chunks per step (default 1)',
    '  --lr <x>                 Adam lr, both groups (default 1e-4 in 1a, 5e-5 in 1b)',
    '  --seed <n>               init, data order, crops and noise (default 0)',
    '  --log-every <n>          metrics.jsonl line every n steps (default 10)',
    '  --sample-every <n>       reconstruction grid PNG every n steps (default 500)',
    '  --val-every <n>          validation PSNR/SSIM every n steps (default 500)  --val-images <n> (default 8)',
    '  --eval-weights raw|ema   weights for samples and validation (default raw)',
    '  --freeze-encoder-after <n>  freeze the encoder from step n (default 200000 in 1a; 1b is always frozen)',
    '  --time-dist <d>          fat_lognormal (default) | lognormal | uniform',
    '  --chain-steps <k>        Stage-1B chain length (default 8)',
    '  --perceptual <net>       none | lpips-vgg | resnet50 | proxy (default proxy: MobileNetV2 from an npm',
    '                           package, not LPIPS; the reference uses lpips-vgg in 1a and resnet50 in 1b)',
    '  --perceptual-weight <x>  default 0.1 in 1a, 0.01 in 1b',
    '  --weights-dir <dir>      folder with vgg16-397923af.pth + vgg.pth (lpips-vgg) or resnet50-0676ba61.pth',
    '  --allow-perceptual-fallback  use the proxy when the asked-for network\'s weight files are missing',
    '  --augment                training crops of ½–1 of the shorter side resized to the model size, mirrored half',
    '                           of the time (for small photo sets; the reference only crops at the model size)',
    '  --engine onnxruntime|tfjs  onnxruntime (default): the step as ONNX graphs, ~9x faster on CPU, every setting;',
    '                           it runs on the global --device (webgpu: any GPU; auto: webgpu on a hardware adapter).',
    '                           tfjs: the reference path. Either engine resumes the other\'s runs (--resume --engine)',
    '',
    'Ablation toggles (paper Tables 3-5; docs/ablations.md). Model options apply to a new run (a resume keeps its config):',
    '  --quantizer lfq|fsq|continuous  lfq: sign bits (default); fsq: finite scalar quantisation at the same bits',
    '                           (C/3 channels of 8 levels unless --fsq-levels); continuous: LayerNorm latent, no BPP',
    '  --fsq-levels <a,b,..>    FSQ level count per channel, e.g. 8,8,8,8 (sets the channel count)',
    '  --noise-sync <p>         continuous: DiTo noise-sync probability (default 0.1; 0 turns it off)',
    '  --patch-size <p>         patch size instead of the preset\'s (e.g. doubled)',
    '  --sampler-rho <r>        the config\'s sampler shift rho (default 4; 1 = unshifted), used by validation and eval',
    '  --guidance on|off        off: the config samples without CFG (scale 1, no interval)',
    '  --mse-encoder-steps <n>  the first n steps regress x from the code (MSE, t = 1), then the encoder is frozen',
    ...stage2Usage,
  ].join('\n'),
  async run(argv) {
    if (argv.some((a, i) => a === '--stage=2' || (a === '--stage' && argv[i + 1] === '2'))) return (await import('./train-stage2')).trainStage2(argv)
    const { values: v } = parseCommandArgs(argv, optionSpecs)
    const opts = await runOptionsFromArgs(v)
    const { engineStatus } = await import('../../trainer/engine-status')
    console.error(backendBanner(await engineStatus(requestedBackend())))
    const { TrainingRun } = await import('../../trainer/train/run')
    let bar: ProgressLine | null = null
    let first = 0
    const run = new TrainingRun(opts, {
      onLog: (line) => console.error(line),
      onStart: (e) => {
        first = e.step
        bar = new ProgressLine(`train ${opts.stage}`, Math.max(e.maxSteps - first, 1))
      },
      onStep: (e) => {
        bar?.update(e.step - first, `step ${e.step}/${e.maxSteps} ${e.it_s.toFixed(2)} it/s flow ${e.flow_loss.toFixed(4)} q ${e.quantizer_loss.toFixed(4)} perc ${e.perceptual_loss.toFixed(4)}`)
      },
      onValidation: (e) => console.error(`step ${e.step}: val PSNR ${e.val_psnr.toFixed(2)} dB (per-image mean-colour baseline ${e.val_baseline_psnr.toFixed(2)}), SSIM ${e.val_ssim.toFixed(4)}`),
      onCheckpoint: (e) => console.error(`checkpoint ${e.path}`),
    })
    const stop = onStopSignals(() => run.stop())
    try {
      const summary = await run.start()
      console.log(`${summary.status} at step ${summary.step}; last checkpoint ${summary.lastCheckpoint ?? 'none'}`)
      return summary.status === 'finished' ? 0 : 130
    } finally {
      stop()
    }
  },
}

/** First SIGINT/SIGTERM: finish the step and checkpoint; a second one exits at once. */
function onStopSignals(stop: () => void): () => void {
  let asked = false
  const handler = (signal: NodeJS.Signals) => {
    if (asked) process.exit(130)
    asked = true
    console.error(`\n${signal}: stopping after this step and writing a checkpoint (again to quit now)`)
    stop()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

/** The flags as a run request (only those given), resolved by the engine's one resolver; its refusals are usage errors. */
async function runOptionsFromArgs(v: Values): Promise<RunOptions> {
  if (!v.data && !v.resume) throw new UsageError('--data <dir> is required')
  if (!v.out) throw new UsageError('--out <run-dir> is required')
  if (v.resume && v.init) throw new UsageError('give --resume or --init, not both')
  if (!v.resume && !v.preset && !v.config) throw new UsageError('give --preset <name> or --config <file>')
  const int = (name: keyof Values & string, min = 1) => integerOption(v[name] as string | undefined, name, { min })
  const request: RunRequestInput = {
    data: v.data, val: v.val, out: v.out, preset: v.preset, config: v.config, init: v.init, weightsDir: v['weights-dir'],
    stage: choice(v.stage, 'stage', ['1a', '1b'] as const), resume: v.resume ?? false,
    initStateDict: choice(v['init-state-dict'], 'init-state-dict', ['raw', 'ema'] as const),
    maxSteps: int('max-steps'), checkpointEvery: int('checkpoint-every'), keepLast: int('keep-last'), keepEvery: int('keep-every'),
    batchSize: int('batch'), gradAccumulation: int('grad-acc'), lr: numberOption(v.lr, 'lr'), seed: int('seed', 0),
    logEvery: int('log-every'), sampleEvery: int('sample-every'), valEvery: int('val-every'), valImages: int('val-images'),
    evalWeights: choice(v['eval-weights'], 'eval-weights', ['raw', 'ema'] as const), freezeEncoderAfter: int('freeze-encoder-after', 0),
    timeDistribution: choice(v['time-dist'], 'time-dist', ['fat_lognormal', 'lognormal', 'uniform'] as const), chainSteps: int('chain-steps'),
    perceptual: choice(v.perceptual, 'perceptual', ['none', 'lpips-vgg', 'resnet50', 'proxy'] as const),
    perceptualWeight: numberOption(v['perceptual-weight'], 'perceptual-weight'),
    allowPerceptualFallback: v['allow-perceptual-fallback'], augment: v.augment, engine: choice(v.engine, 'engine', ['tfjs', 'onnxruntime'] as const),
  }
  const { resolveRunRequest, localPaths, RunRequestError } = await import('../../trainer/run-control/run-request')
  let options: RunOptions
  try {
    options = await resolveRunRequest(request, localPaths)
  } catch (e) {
    throw e instanceof RunRequestError ? new UsageError(e.message) : e
  }
  const toggles = ['quantizer', 'fsq-levels', 'noise-sync', 'patch-size', 'sampler-rho', 'guidance', 'mse-encoder-steps'] as const
  const given = toggles.filter((k) => v[k] !== undefined)
  if (!given.length) return options
  if (v.resume) throw new UsageError(`--${given[0]} applies to a new run; a resume keeps what the run was started with`)
  return { ...options, config: await toggledConfig(options.config, v), mseEncoderSteps: int('mse-encoder-steps') ?? options.mseEncoderSteps }
}

/** The model-side ablation toggles on top of the preset or config. */
async function toggledConfig(c: FlowMoConfig, v: Values): Promise<FlowMoConfig> {
  const { withPatchSize, withQuantizer, withSampler } = await import('../../trainer/model/config-variants')
  const kind = choice(v.quantizer, 'quantizer', ['lfq', 'fsq', 'continuous'] as const)
  const levels = v['fsq-levels']?.split(',').map((s) => integerOption(s.trim(), 'fsq-levels', { min: 2 })!)
  if (levels && kind !== 'fsq') throw new UsageError('--fsq-levels needs --quantizer fsq')
  const noiseSync = numberOption(v['noise-sync'], 'noise-sync')
  if (noiseSync !== undefined && kind !== 'continuous') throw new UsageError('--noise-sync needs --quantizer continuous')
  const patchSize = integerOption(v['patch-size'], 'patch-size', { min: 1 })
  const rho = numberOption(v['sampler-rho'], 'sampler-rho')
  const guidance = choice(v.guidance, 'guidance', ['on', 'off'] as const)
  let out = c
  if (kind) out = withQuantizer(out, { kind, levels, noiseSync })
  if (patchSize !== undefined) out = withPatchSize(out, patchSize)
  if (rho !== undefined || guidance !== undefined) out = withSampler(out, { rho, guidance: guidance === undefined ? undefined : guidance === 'on' })
  return out
}

function choice<const T extends readonly string[]>(value: string | undefined, name: string, allowed: T): T[number] | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value)) throw new UsageError(`--${name} expects ${allowed.join(' | ')}, got '${value}'`)
  return value as T[number]
}
