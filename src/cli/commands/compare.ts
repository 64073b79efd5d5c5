// `flowmo compare`: the app's Compare section without a window. FlowMo, codecs at matched BPP and ONNX tokenizers on
// the same images through the compare job's code (baselines/run-compare.ts); a folder of PNGs, CSV and report.json.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { version } from '../../../package.json'
import type { CompareMetric } from '../../shared/payloads/jobs'
import type { CompareProtocol } from '../../trainer/baselines/compare-folder'
import type { MethodSpec } from '../../trainer/baselines/method-list'
import type { CompareWork } from '../../trainer/baselines/run-compare'
import { integerOption, numberOption, parseCommandArgs, requestedBackend, UsageError } from '../args'
import type { Command } from '../command'
import { checkMethodCheckpoints, modelOptionSpecs, modelSourceFromArgs, modelUsage, openInferenceModelForCli } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

const optionSpecs = {
  ...modelOptionSpecs, ...samplerOptionSpecs,
  methods: { type: 'string' }, data: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' },
  size: { type: 'string' }, bpp: { type: 'string' }, metrics: { type: 'string' }, 'weights-dir': { type: 'string' }, batch: { type: 'string' },
} as const

type Values = ReturnType<typeof parseCommandArgs<typeof optionSpecs>>['values']

export const compare: Command = {
  name: 'compare',
  summary: 'FlowMo, JPEG/WebP/AVIF at matched BPP and ONNX tokenizers on the same images: PNGs, per-image CSV, report',
  usage: [
    'flowmo compare --out <dir> [--checkpoint <file>] [--methods <list>] (--data <dir> | <image>…) [options]',
    '',
    '  --methods <list>   comma-separated: flowmo (the --checkpoint model), flowmo:[<label>=]<checkpoint> (another',
    '                     checkpoint, config implied by the file; label default: its file name), jpeg, webp, avif,',
    '                     onnx:<tokenizer folder> (default flowmo,jpeg,webp); codecs are matched to --bpp by quality',
    '                     bisection, each image on its own',
    '  --data <dir>       the images (recursive, sorted by path; smaller than the crop: skipped); or name image files',
    '  --limit <n>        the first n images (default all)',
    '  --out <dir>        report.json, per-image.csv, originals/<image>.png and <method>/<image>.png; an existing',
    '                     folder must be empty unless --force (then files of the same names are replaced)',
    '  --force            write into a non-empty --out folder',
    '  --size <px>        image size when no method fixes it (FlowMo and ONNX tokenizers do): needed for codecs only',
    '  --bpp <rate>       codec target bits per pixel (default: the checkpoint\'s, else the first tokenizer\'s)',
    '  --metrics <list>   psnr,ssim (always) and any of lpips | fid | kid (need their weight files) | fid-proxy | kid-proxy',
    '                     (offline MobileNetV2 features, reported as proxy FID/KID, never as rFID)',
    '  --weights-dir <d>  folder holding the LPIPS/Inception weight files',
    '  --batch <n>        FlowMo images per forward (default 4)',
    ...modelUsage,
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, optionSpecs, { max: Infinity })
    if (!values.out) throw new UsageError('--out is required')
    if (values.data && positionals.length > 0) throw new UsageError('give --data <dir> or image files, not both')
    if (!values.data && positionals.length === 0) throw new UsageError('--data <dir> or image files are required')
    checkOutFolder(values.out, values.force === true)
    const missing = [values.data ?? [], positionals].flat().find((f) => !existsSync(f))
    if (missing) throw new Error(`${missing} does not exist`)
    const work = await compareWork(values, positionals)
    return runCompareCommand(values.out, work, protocolBase(values, work))
  },
}

/** A usable --out: absent, or an empty folder, or any folder with --force. */
function checkOutFolder(out: string, force: boolean): void {
  if (!existsSync(out)) return
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file; name a folder`)
  if (!force && readdirSync(out).length > 0) throw new UsageError(`--out ${out} is not empty; choose another folder or give --force to write into it`)
}

/** A parsing error of an option value is a usage error. */
function usage<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

const compareMetricNames: readonly CompareMetric[] = ['lpips', 'fid', 'kid', 'fid-proxy', 'kid-proxy']

/** --metrics: psnr and ssim always run, so they are accepted and dropped; real and proxy FID/KID may be asked together. */
function metricsOption(text: string | undefined): CompareMetric[] {
  const names = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  const bad = names.filter((n) => n !== 'psnr' && n !== 'ssim' && !(compareMetricNames as readonly string[]).includes(n))
  if (bad.length > 0) throw new UsageError(`unknown metric ${bad.join(', ')} (metrics: psnr, ssim, ${compareMetricNames.join(', ')})`)
  return compareMetricNames.filter((m) => names.includes(m))
}

/** What the methods need from the command line, said before anything opens (openMethods checks it all again). */
function checkMethodNeeds(specs: readonly MethodSpec[], values: Values): void {
  if (specs.length === 0) throw new UsageError('--methods lists no method')
  if (specs.some((s) => s.kind === 'flowmo' && s.checkpoint === undefined) && !values.checkpoint) throw new UsageError('the method flowmo needs --checkpoint')
  checkMethodCheckpoints(specs)
  if (values.checkpoint || specs.some((s) => s.kind !== 'codec')) return // the model or a tokenizer sets size and rate
  if (!values.size) throw new UsageError('codecs alone need --size (no model or tokenizer fixes the image size)')
  if (!values.bpp) throw new UsageError('codecs alone need --bpp (no model or tokenizer sets the target rate)')
}

/** The comparison as the command line describes it; the run adds the signal and progress callbacks. */
type CliWork = Omit<CompareWork, 'signal' | 'onStart' | 'onProgress' | 'onImages'>

async function compareWork(values: Values, files: readonly string[]): Promise<CliWork> {
  const { parseMethodList } = await import('../../trainer/baselines/method-list')
  const specs = usage(() => parseMethodList(values.methods ?? 'flowmo,jpeg,webp'))
  checkMethodNeeds(specs, values)
  const targetBpp = numberOption(values.bpp, 'bpp')
  if (targetBpp !== undefined && !(targetBpp > 0)) throw new UsageError(`--bpp must be positive, got ${targetBpp}`)
  const { sampling, seed, noise } = samplerFromArgs(values)
  const source = values.checkpoint ? modelSourceFromArgs(values) : undefined
  const limit = integerOption(values.limit, 'limit', { min: 1 })
  return {
    specs, targetBpp, imageSizePx: integerOption(values.size, 'size', { min: 8, max: 4096 }),
    flowmo: { sampling, seed, noise, batch: integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 4 },
    openModel: source && (() => openInferenceModelForCli(source)), openCheckpoint: (checkpoint) => openInferenceModelForCli({ checkpoint }),
    images: (sizePx) => imageList(values.data, files, sizePx, limit),
    metrics: metricsOption(values.metrics), weightsDir: values['weights-dir'],
  }
}

/** The named files as given, or the folder's usable images (skipped ones reported on stderr); the first `limit`. */
async function imageList(dir: string | undefined, files: readonly string[], sizePx: number, limit: number | undefined): Promise<string[]> {
  if (!dir) return files.slice(0, limit)
  const { scanImageFolder, scanNotices } = await import('../../trainer/data/dataset')
  const scan = await scanImageFolder(dir, { imageSizePx: sizePx })
  for (const line of scanNotices(scan)) console.error(line)
  return scan.usable.slice(0, limit).map((e) => e.path)
}

type ProtocolBase = Omit<CompareProtocol, 'images' | 'preprocessing' | 'backend'>

function protocolBase(values: Values, work: CliWork): ProtocolBase {
  const checkpoint = values.checkpoint
    ? { path: resolve(values.checkpoint), config: values.config ? resolve(values.config) : (values.preset ?? null), stateDict: values['state-dict'] ?? 'ema' }
    : null
  return { checkpoint, metrics: work.metrics ?? [], weightsDir: values['weights-dir'] ? resolve(values['weights-dir']) : null, flowmoVersion: version }
}

async function runCompareCommand(out: string, work: CliWork, base: ProtocolBase): Promise<number> {
  const { runCompare } = await import('../../trainer/baselines/run-compare')
  const { writeCompareFolder } = await import('../../trainer/baselines/compare-folder')
  const { formatCompare } = await import('../../trainer/baselines/print-compare')
  const { imageIds } = await import('../../trainer/rating/export')
  const { backendInfo } = await import('../../trainer/backend')
  if ((work.metrics ?? []).length > 0) await printBanner() // the metric networks run on tfjs; flowmo on onnxruntime
  let paths: readonly string[] = []
  let bar: ProgressLine | null = null
  const controller = new AbortController()
  const stop = () => controller.abort(new Error('compare interrupted; nothing was written'))
  process.once('SIGINT', stop)
  try {
    const result = await runCompare({
      ...work, signal: controller.signal,
      onStart: (opened, images) => {
        paths = images
        console.error(startLine(opened, images.length))
        bar = new ProgressLine('compare', opened.methods.length * images.length, 'img')
      },
      onImages: (done, _total, method) => bar?.update(done, method),
    })
    const images = imageIds(paths).map((i) => ({ id: i.id, path: resolve(i.path) }))
    const preprocessing = `shorter side resized to ${result.imageSizePx} px, centre crop`
    await writeCompareFolder(out, result, { images, preprocessing, ...base, backend: backendInfo()?.name ?? null })
    console.log(formatCompare(result))
    console.log(`wrote ${out}: report.json, per-image.csv, originals/ and ${result.methods.map((m) => `${m.id}/`).join(', ')}`)
    return 0
  } finally {
    process.off('SIGINT', stop)
  }
}

type Opened = Parameters<NonNullable<CompareWork['onStart']>>[0]

function startLine(opened: Opened, nImages: number): string {
  const ids = opened.methods.map((m) => m.id).join(', ')
  const target = opened.targetBpp !== null && opened.methods.some((m) => m.settings.codec !== undefined) ? `, codec target ${opened.targetBpp.toFixed(4)} bpp` : ''
  const nMethods = opened.methods.length
  return `comparing ${nImages} image${nImages === 1 ? '' : 's'} × ${nMethods} method${nMethods === 1 ? '' : 's'} (${ids}) at ${opened.imageSizePx}px${target}`
}

/** The tfjs backend banner, for the metric networks. */
async function printBanner(): Promise<void> {
  const { engineStatus } = await import('../../trainer/engine-status')
  const { backendBanner } = await import('../banner')
  console.error(backendBanner(await engineStatus(requestedBackend())))
}
