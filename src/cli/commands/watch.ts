// `flowmo watch <folder> --val <dir>`: evaluate each new complete checkpoint of an official run folder as it arrives.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { openTfjsForCli } from '../model-options'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

export const watch: Command = {
  name: 'watch',
  summary: 'evaluate each new complete checkpoint of an official run folder (synced or mounted) on a fixed validation set',
  usage: [
    'flowmo watch <folder> --val <dir> [options]',
    '',
    'Looks at <folder>/checkpoints/*.pth every --interval-s seconds; each new checkpoint whose file is complete is',
    'evaluated with one fixed protocol (the same images, sampler, seed and metrics every time). Each result is a',
    'report <out>/<step:08d>.json and a line in <out>/metrics.jsonl; a restarted watch skips the steps it has.',
    '',
    '  --val <dir>         validation images (sorted by path)',
    '  --n <N>             the first N of them (default 50)',
    '  --metrics <list>    as flowmo eval (default psnr,ssim; e.g. psnr,ssim,fid-proxy)',
    '  --config <f>        model config (default <folder>/config.yaml)',
    '  --state-dict <k>    ema (default, as evaluate.py) or raw',
    '  --out <dir>         reports and metrics.jsonl (default <folder>/flowmo-eval)',
    '  --batch <n>         images per batch (default 5)',
    '  --samples <k>       each checkpoint\'s fixed-seed samples: the first k images over their reconstructions,',
    '                      <out>/samples/step-NNNNNN.png (default 4; 0 = none)',
    '  --interval-s <s>    seconds between looks (default 30)',
    '  --once              evaluate the checkpoints there now, then exit',
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...samplerOptionSpecs, val: { type: 'string' }, n: { type: 'string' }, metrics: { type: 'string' }, config: { type: 'string' },
      'state-dict': { type: 'string' }, out: { type: 'string' }, batch: { type: 'string' }, 'interval-s': { type: 'string' }, samples: { type: 'string' }, once: { type: 'boolean' },
    }, { min: 1, max: 1 })
    const folder = positionals[0]!
    if (!values.val) throw new UsageError('--val is required')
    const sd = values['state-dict']
    if (sd !== undefined && sd !== 'ema' && sd !== 'raw') throw new UsageError(`--state-dict expects ema or raw, got '${sd}'`)
    const config = values.config ?? join(folder, 'config.yaml')
    if (!existsSync(config)) throw new Error(`${config} does not exist; pass --config`)
    const { parseMetrics } = await import('../../trainer/eval/networks')
    const { evaluate } = await import('../../trainer/eval/evaluate')
    const { watchRun } = await import('../../trainer/official/watch')
    const { watchOut } = await import('../../trainer/official/run-history')
    const { sampleGrid } = await import('../../trainer/eval/sample-grid')
    const samples = integerOption(values.samples, 'samples', { min: 0, max: 64 }) ?? 4
    const metrics = parseMetrics(values.metrics ?? 'psnr,ssim')
    const { sampling, seed, noise } = samplerFromArgs(values)
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    await watchRun({
      folder, out: values.out ?? watchOut(folder), evaluate, sample: samples > 0 ? (o) => sampleGrid(o, samples) : undefined, once: values.once, signal: stop.signal,
      intervalMs: 1000 * (integerOption(values['interval-s'], 'interval-s', { min: 1 }) ?? 30),
      onNotice: (line) => console.error(`watch: ${line}`),
      evalOptions: (c, jsonPath) => ({
        source: { checkpoint: c.file, config, stateDict: sd as 'ema' | 'raw' | undefined }, dataDir: values.val!,
        n: integerOption(values.n, 'n', { min: 1 }) ?? 50, sampling, seed, noise, metrics, psnr: 'per-image', quantise: 'truncate',
        ssim: 'skimage-default-7x7', batchSize: integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 5, jsonPath,
        openTfjs: openTfjsForCli, signal: stop.signal,
      }),
    })
    return stop.signal.aborted ? 130 : 0
  },
}
