// `flowmo ablate`: the paper's ablations (Tables 3–5) as one resumable command — the baseline and each variant trained
// from the same seed and data for the same steps, evaluated with one protocol, written as table.json and table.md.
import { integerOption, numberOption, parseCommandArgs, requestedBackend, UsageError } from '../args'
import type { Command } from '../command'
import { backendBanner } from '../banner'
import { ProgressLine } from '../progress'

const optionSpecs = {
  data: { type: 'string' }, val: { type: 'string' }, preset: { type: 'string' }, 'max-steps': { type: 'string' }, out: { type: 'string' },
  'stage1b-steps': { type: 'string' }, seed: { type: 'string' }, batch: { type: 'string' }, perceptual: { type: 'string' },
  'eval-images': { type: 'string' }, 'sample-steps': { type: 'string' }, metrics: { type: 'string' }, variants: { type: 'string' },
  'weights-dir': { type: 'string' }, config: { type: 'string' }, lr: { type: 'string' }, path: { type: 'string' }, engine: { type: 'string' },
} as const

export const ablate: Command = {
  name: 'ablate',
  summary: 'train the baseline and the paper\'s ablation variants (Tables 3-5) and tabulate them; resumable',
  usage: [
    'flowmo ablate --data <dir> --val <dir> --preset <name> --max-steps <n> --out <dir> [options]',
    '',
    '  --data <dir>          training images, the same for every row',
    '  --val <dir>           evaluation images (the first --eval-images, sorted)',
    '  --preset <name>       model preset, e.g. tiny-64',
    '  --config <file>       a model config instead (explicit sizes or the reference layout); --preset then only labels it',
    '  --lr <x>              Stage-1A learning rate (default 1e-4)',
    '  --max-steps <n>       Stage-1A steps of every run',
    '  --out <dir>           runs/<variant>/, evals/<variant>.json, table.json, table.md',
    '  --stage1b-steps <n>   Stage-1B steps of Table 5\'s row, from the baseline (default max-steps/4)',
    '  --seed <n>            init, data order and noise of every run (default 0)',
    '  --batch <n>           images per step (default 8)',
    '  --perceptual <net>    proxy (default, offline) | lpips-vgg (the paper\'s; needs its weight files) | resnet50 |',
    '                        none (no perceptual term in any row: the no-perceptual row then equals the baseline)',
    '  --engine <e>          training engine: auto (default: onnxruntime) | tfjs | onnxruntime',
    '  --eval-images <n>     images evaluated per row (default 50)',
    '  --sample-steps <n>    sampler steps of every eval (default 25)',
    '  --metrics <list>      default psnr,ssim,lpips,fid-proxy (fid instead of fid-proxy with the Inception weights)',
    '  --variants <ids>      a subset, e.g. fsq,no-guidance (the baseline is always included); default all:',
    '                        baseline, patch-x2, mse-encoder, no-perceptual, fsq, logit-normal, unshifted-sampler,',
    '                        no-guidance (Table 4), stage-1b (Table 5), continuous (Table 3)',
    '  --weights-dir <dir>   folder with the perceptual / LPIPS / Inception weight files',
    '  --path <p>            inference path of the evals: auto (default) | onnxruntime | tfjs',
    '',
    'Ctrl-C stops after the current step or eval batch; the same command continues from there.',
  ].join('\n'),
  async run(argv) {
    const { values: v } = parseCommandArgs(argv, optionSpecs)
    for (const k of ['data', 'val', 'preset', 'max-steps', 'out'] as const) if (!v[k]) throw new UsageError(`--${k} is required`)
    const maxSteps = integerOption(v['max-steps'], 'max-steps', { min: 1 })!
    const { variantById } = await import('../../trainer/ablate/variants')
    const { parseMetrics } = await import('../../trainer/eval/networks')
    const { preset } = await import('../../trainer/model/configs')
    const { loadConfigFile } = await import('../../trainer/model/config-file')
    const config = v.config ? await loadConfigFile(v.config) : preset(v.preset!) // an unknown preset fails before anything runs
    const path = v.path ?? 'auto'
    if (!['auto', 'onnxruntime', 'tfjs'].includes(path)) throw new UsageError(`--path expects auto | onnxruntime | tfjs, got '${path}'`)
    const perceptual = v.perceptual ?? 'proxy'
    if (!['proxy', 'lpips-vgg', 'resnet50', 'none'].includes(perceptual)) throw new UsageError(`--perceptual expects proxy | lpips-vgg | resnet50 | none, got '${perceptual}'`)
    const engine = v.engine ?? 'auto'
    if (!['auto', 'tfjs', 'onnxruntime'].includes(engine)) throw new UsageError(`--engine expects auto | tfjs | onnxruntime, got '${engine}'`)
    const options = {
      data: v.data!, val: v.val!, preset: v.preset!, config, maxSteps, out: v.out!, lr: numberOption(v.lr, 'lr'),
      inferencePath: path as 'auto' | 'onnxruntime' | 'tfjs',
      stage1bSteps: integerOption(v['stage1b-steps'], 'stage1b-steps', { min: 1 }) ?? Math.max(1, Math.round(maxSteps / 4)),
      seed: integerOption(v.seed, 'seed', { min: 0 }) ?? 0, batchSize: integerOption(v.batch, 'batch', { min: 1 }) ?? 8,
      perceptual: perceptual as 'proxy' | 'lpips-vgg' | 'resnet50' | 'none', engine: engine as 'auto' | 'tfjs' | 'onnxruntime',
      evalImages: integerOption(v['eval-images'], 'eval-images', { min: 1 }) ?? 50,
      sampleSteps: integerOption(v['sample-steps'], 'sample-steps', { min: 1 }) ?? 25,
      metrics: parseMetrics(v.metrics ?? 'psnr,ssim,lpips,fid-proxy'),
      variants: v.variants?.split(',').map((id) => variantById(id.trim())), weightsDir: v['weights-dir'],
    }
    const { engineStatus } = await import('../../trainer/engine-status')
    console.error(backendBanner(await engineStatus(requestedBackend())))
    const { runAblation, AblationStopped } = await import('../../trainer/ablate/run-ablation')
    const stop = new AbortController()
    const onSignal = () => (stop.signal.aborted ? process.exit(130) : (console.error('\nstopping after this step (again to quit now)'), stop.abort()))
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    let bar: { key: string; line: ProgressLine } | null = null
    const progress = (key: string, done: number, total: number) => {
      if (bar?.key === key) return bar.line.update(done)
      bar = { key, line: new ProgressLine(key, total) } // its clock starts here: the first report only starts it
    }
    try {
      const table = await runAblation({
        ...options, signal: stop.signal, onLog: (l) => console.error(l),
        onTrainStep: (run, step, max) => progress(`train ${run}`, step, max), onEvalProgress: (row, done, total) => progress(`eval ${row}`, done, total),
      })
      console.log(`${table.rows.length} rows: ${v.out}/table.json, ${v.out}/table.md`)
      return 0
    } catch (e) {
      if (e instanceof AblationStopped) {
        console.error(e.message)
        return 130
      }
      throw e
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  },
}
