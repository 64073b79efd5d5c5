// `flowmo train --stage 2`: a MaskGiT generator over a codes file (trainer/stage2/train-generator.ts), with a progress
// bar, metrics.jsonl and checkpoints; --resume continues the newest checkpoint; Ctrl-C checkpoints and stops.
import { integerOption, numberOption, parseCommandArgs, requestedBackend, UsageError } from '../args'
import { backendBanner } from '../banner'
import { ProgressLine } from '../progress'

export const stage2Usage = [
  '',
  'flowmo train --stage 2 --codes <codes.safetensors> --preset maskgit-tiny --out <run-dir> [options]',
  '  --codes <file>           codes from flowmo encode (sub-folder classes become the generator\'s classes)',
  '  --preset <name>          maskgit-tiny (CPU, ≈5M parameters) | maskgit-paper (TiTok\'s 768×24; GPU scale)',
  '  --max-steps <n> (2000)  --checkpoint-every <k> (500)  --batch <n> (32)  --lr <x> (2e-4)  --warmup <n> (5% of steps)',
  '  --seed <n> (0)  --log-every <n> (10)  --resume',
  '  --engine onnxruntime|tfjs   onnxruntime (default): the whole step (forward, loss, gradients, clipping, AdamW) as one',
  '                           onnxruntime-node graph on the selected device (--device / FLOWMO_DEVICE; docs/ort-training.md);',
  '                           tfjs: the reference path. Either engine resumes the other\'s runs',
]

export async function trainStage2(argv: readonly string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    stage: { type: 'string' }, codes: { type: 'string' }, preset: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' },
    'max-steps': { type: 'string' }, 'checkpoint-every': { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
    warmup: { type: 'string' }, seed: { type: 'string' }, 'log-every': { type: 'string' }, engine: { type: 'string' },
  })
  const engine = v.engine
  if (engine !== undefined && engine !== 'tfjs' && engine !== 'onnxruntime') throw new UsageError(`--engine expects tfjs or onnxruntime, got '${engine}'`)
  if (!v.codes) throw new UsageError('--codes <codes.safetensors> is required for --stage 2')
  if (!v.out) throw new UsageError('--out <run-dir> is required')
  const [{ GENERATOR_DEFAULTS: D, trainGenerator }, { MASKGIT_PRESETS }] = await Promise.all([import('../../trainer/stage2/train-generator'), import('../../trainer/stage2/maskgit')])
  const preset = v.preset ?? 'maskgit-tiny'
  if (!MASKGIT_PRESETS[preset]) throw new UsageError(`--preset for --stage 2 expects ${Object.keys(MASKGIT_PRESETS).join(' | ')}, got '${preset}'`)
  const maxSteps = integerOption(v['max-steps'], 'max-steps', { min: 1 }) ?? D.maxSteps
  const { engineStatus } = await import('../../trainer/engine-status')
  console.error(backendBanner(await engineStatus(requestedBackend())))
  let bar: ProgressLine | null = null
  let first = 0
  const abort = new AbortController()
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130)
    console.error('\nstopping after this step and writing a checkpoint (again to quit now)')
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const res = await trainGenerator({
      codes: v.codes, out: v.out, preset, maxSteps, resume: v.resume ?? false,
      checkpointEvery: integerOption(v['checkpoint-every'], 'checkpoint-every', { min: 1 }) ?? D.checkpointEvery,
      batchSize: integerOption(v.batch, 'batch', { min: 1 }) ?? D.batchSize,
      lr: numberOption(v.lr, 'lr') ?? D.lr, lrEnd: D.lrEnd,
      warmupSteps: integerOption(v.warmup, 'warmup', { min: 1 }) ?? Math.max(1, Math.round(0.05 * maxSteps)),
      weightDecay: D.weightDecay, betas: D.betas, clipNorm: D.clipNorm, emaDecay: D.emaDecay, classDropout: D.classDropout,
      engine: engine ?? D.engine, seed: integerOption(v.seed, 'seed', { min: 0 }) ?? D.seed, logEvery: integerOption(v['log-every'], 'log-every', { min: 1 }) ?? D.logEvery,
    }, {
      onLog: (line) => console.error(line),
      onStep: (e) => {
        if (!bar) [bar, first] = [new ProgressLine('train 2', e.maxSteps - e.step + 1), e.step - 1]
        bar.update(e.step - first, `step ${e.step}/${e.maxSteps} loss ${e.loss.toFixed(4)} acc ${(100 * e.maskedAccuracy).toFixed(1)}% lr ${e.lr.toExponential(2)} ${e.it_s.toFixed(2)} it/s`)
      },
      onCheckpoint: (p) => console.error(`checkpoint ${p}`),
    }, abort.signal)
    console.log(`${abort.signal.aborted ? 'stopped' : 'finished'} at step ${res.step}; last checkpoint ${res.checkpoint ?? 'none'}`)
    return abort.signal.aborted ? 130 : 0
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
