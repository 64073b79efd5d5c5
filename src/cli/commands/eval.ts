// `flowmo eval`: reconstruct a folder and score it (PSNR, SSIM, LPIPS, rFID/KID) with the protocol card printed and
// stored; resumes from its journal; `flowmo eval --diff a.json b.json` names the card fields two results differ in.
import { readFile } from 'node:fs/promises'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openTfjsForCli, pathOptionSpecs } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

const optionSpecs = {
  ...modelOptionSpecs, ...pathOptionSpecs, ...samplerOptionSpecs,
  data: { type: 'string' }, n: { type: 'string' }, metrics: { type: 'string' }, json: { type: 'string' }, csv: { type: 'string' },
  batch: { type: 'string' }, psnr: { type: 'string' }, quantise: { type: 'string' }, ssim: { type: 'string' },
  'weights-dir': { type: 'string' }, diff: { type: 'boolean' },
  'stats-cache': { type: 'string' }, 'no-stats-cache': { type: 'boolean' }, shard: { type: 'string' },
} as const

export const evalCommand: Command = {
  name: 'eval',
  summary: 'reconstruct a folder and score it (PSNR, SSIM, LPIPS, rFID/KID) with a protocol card; resumable',
  usage: [
    'flowmo eval --checkpoint <file> --data <dir> [options]      flowmo eval --diff <a.json> <b.json>',
    'flowmo eval … --shard <i/n> --json <Si>                      flowmo eval merge <S0> <S1> … --json <file> [--csv <file>]',
    '',
    ...modelUsage,
    '  --data <dir>       image folder (recursive, sorted by path); resized (shorter side) and centre-cropped',
    '  --n <N>            the first N images (default all; the reference uses the 50000 ImageNet val images)',
    '  --metrics <list>   psnr,ssim (default) | lpips (alex and vgg) | lpips-alex | lpips-vgg | fid | kid | fid-proxy | kid-proxy',
    '  --json <file>      the report (metrics, details, code statistics, protocol card); journal: <file>.partial.jsonl',
    '  --csv <file>       one row per image: path, psnr, ssim, lpips',
    '  --batch <n>        images per batch (default 5, as the reference)',
    '  --psnr <c>         per-image (default: mean of per-image PSNR) | batch-pooled (the reference evaluate.py number)',
    '  --quantise <q>     uint8 step before PSNR/SSIM: truncate (default, as the reference) | round | none',
    '  --ssim <v>         skimage-default-7x7 (default, as the reference) | gaussian-11',
    '  --weights-dir <d>  folder holding the LPIPS/Inception weight files',
    '  --stats-cache <d>  cache of the originals\' FID/KID features (default $FLOWMO_CACHE_DIR/fid-stats, else ~/.cache/flowmo/fid-stats)',
    '  --no-stats-cache   compute the originals\' features afresh and do not store them',
    '  --path <p>         auto (default) | onnxruntime | tfjs',
    ...samplerUsage,
    '  --diff             print the protocol card fields in which two reports differ',
    '  --shard <i/n>      evaluate batches i, i+n, … of --batch images (with --batch 1: every n-th image from i) and',
    '                     write their per-image records and features to --json; `merge` then gives the one-process',
    '                     report exactly (docs/scale.md: Slurm arrays, one process per GPU)',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, optionSpecs, { max: 4096 })
    if (values.diff) return diffReports(positionals)
    if (positionals[0] === 'merge') return mergeCommand(positionals.slice(1), values)
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
    return runEvalCommand(values)
  },
}

type Values = ReturnType<typeof parseCommandArgs<typeof optionSpecs>>['values']

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0]
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} expects ${allowed.join(' or ')}, got '${value}'`)
  return value as T
}

async function runEvalCommand(values: Values): Promise<number> {
  if (!values.data) throw new UsageError('--data is required')
  const { parseMetrics } = await import('../../trainer/eval/networks')
  let metrics
  try {
    metrics = parseMetrics(values.metrics ?? 'psnr,ssim')
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const shard = await shardFromArgs(values)
  const { sampling, seed, noise } = samplerFromArgs(values)
  const { source, path } = modelChoiceFromArgs(values)
  const { evaluate } = await import('../../trainer/eval/evaluate')
  const stop = stopOnCtrlC()
  const outcome = await evaluate({
    source, dataDir: values.data, n: integerOption(values.n, 'n', { min: 1 }), sampling, seed, noise, metrics,
    psnr: choice(values.psnr, 'psnr', ['per-image', 'batch-pooled'] as const),
    quantise: choice(values.quantise, 'quantise', ['truncate', 'round', 'none'] as const),
    ssim: choice(values.ssim, 'ssim', ['skimage-default-7x7', 'gaussian-11'] as const),
    batchSize: integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 5,
    weightsDir: values['weights-dir'], statsCacheDir: statsCacheDir(values), jsonPath: values.json, csvPath: values.csv,
    path, openTfjs: openTfjsForCli,
    onNotice: (line) => console.error(line),
    onProgress: progressBar(), signal: stop.signal, shard,
  })
  if (outcome.shardFile) {
    console.log(`shard ${shard!.index}/${shard!.count}: its records are in ${outcome.shardFile}; when every shard is done: flowmo eval merge <shard files> --json <report>`)
    return 0
  }
  if (!outcome.report) {
    console.error(`stopped; the images done so far are in ${outcome.journal}: rerun the same command to resume`)
    return 130
  }
  const { printReport } = await import('../../trainer/eval/print-report')
  console.log(printReport(outcome.report))
  return 0
}

async function shardFromArgs(values: Values) {
  if (values.shard === undefined) return undefined
  const { parseShard } = await import('../../trainer/eval/shard')
  const shard = parseShard(values.shard)
  if (typeof shard === 'string') throw new UsageError(shard)
  if (!values.json) throw new UsageError('--shard needs --json <file>: the shard\'s records go there for `flowmo eval merge`')
  return shard
}

async function mergeCommand(files: readonly string[], values: Values): Promise<number> {
  if (files.length === 0) throw new UsageError('merge takes the shard files: flowmo eval merge S0.json S1.json … --json <report>')
  const { mergeShards } = await import('../../trainer/eval/shard')
  const { perImageCsv, reportJson } = await import('../../trainer/eval/report')
  const { writeFileAtomic } = await import('../../trainer/atomic-file')
  const { report, records } = await mergeShards(files)
  if (values.csv) await writeFileAtomic(values.csv, perImageCsv(records))
  if (values.json) await writeFileAtomic(values.json, reportJson(report))
  const { printReport } = await import('../../trainer/eval/print-report')
  console.log(printReport(report))
  return 0
}

/** --stats-cache <dir> | --no-stats-cache (null: off) | neither (undefined: the default folder). */
function statsCacheDir(values: Values): string | null | undefined {
  if (values['no-stats-cache'] && values['stats-cache'] !== undefined) throw new UsageError('--stats-cache and --no-stats-cache exclude each other')
  return values['no-stats-cache'] ? null : values['stats-cache']
}

/** The first Ctrl-C stops after the batch in flight (journalled); a second one ends the process at once. */
function stopOnCtrlC(): AbortController {
  const stop = new AbortController()
  process.once('SIGINT', () => {
    console.error('\nstopping after the current batch (Ctrl-C again to quit now)')
    stop.abort()
  })
  return stop
}

/** A progress callback whose bar counts only this run's images (the first call reports those already journalled). */
function progressBar(): (done: number, total: number) => void {
  let bar: { line: ProgressLine; resumed: number } | null = null
  return (done, total) => {
    bar ??= { line: new ProgressLine('eval', total - done, 'img'), resumed: done }
    bar.line.update(done - bar.resumed, `${done}/${total} in total`)
  }
}

async function diffReports(files: readonly string[]): Promise<number> {
  if (files.length !== 2) throw new UsageError('--diff takes two report files')
  const { diffReportCards } = await import('../../trainer/eval/print-report')
  const [a, b] = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as unknown))
  console.log(diffReportCards(a, b, files[0], files[1]))
  return 0
}
