// `flowmo export-ratings`: images × methods → an export folder (PNGs and manifest JSON/CSV for the researcher) with a
// blind rater/ folder to hand out (offline rating page, token-named images). Resumable: run the same command again.
import { join } from 'node:path'
import { parseCommandArgs, integerOption, numberOption, requestedBackend, UsageError } from '../args'
import type { Command } from '../command'
import { checkMethodCheckpoints, modelOptionSpecs, modelSourceFromArgs, modelUsage, openInferenceModelForCli } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

export const exportRatings: Command = {
  name: 'export-ratings',
  summary: 'export originals and reconstructions of several methods with a blind, offline 2AFC rating folder',
  usage: [
    'flowmo export-ratings --data <dir> --methods <list> --out <dir> [--checkpoint <file>] [options]',
    '',
    '  --methods <list>   comma-separated, at least two: flowmo (the --checkpoint model), flowmo:[<label>=]<checkpoint>',
    '                     (another checkpoint; label default: its file name), jpeg, webp, avif, onnx:<tokenizer folder>',
    '                     (default flowmo,jpeg,webp); codecs are matched to --bpp by quality bisection',
    '  --data <dir>       the images (recursive, sorted by path); resized (shorter side) and centre-cropped',
    '  --limit <n>        the first n images (default 20)',
    '  --out <dir>        the export folder (must not exist; built in <dir>.partial, resumable)',
    '  --size <px>        image size when no method fixes it (FlowMo and ONNX tokenizers do): needed for codecs only',
    '  --bpp <rate>       codec target bits per pixel (default: the checkpoint\'s, else the first tokenizer\'s)',
    '  --title <text>     shown on the rating page; must not name a method (raters would see it)',
    '  --batch <n>        images per reconstruct call (default 4)',
    ...modelUsage,
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, ...samplerOptionSpecs,
      data: { type: 'string' }, methods: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' },
      size: { type: 'string' }, bpp: { type: 'string' }, title: { type: 'string' }, batch: { type: 'string' },
    })
    if (!values.data) throw new UsageError('--data is required')
    if (!values.out) throw new UsageError('--out is required')
    const { parseMethodList } = await import('../../trainer/baselines/method-list')
    const { withMethods } = await import('../../trainer/baselines/run-compare')
    const specs = usage(() => parseMethodList(values.methods ?? 'flowmo,jpeg,webp'))
    if (specs.length < 2) throw new UsageError(`--methods needs at least two methods, got ${specs.length}`)
    checkMethodCheckpoints(specs)
    const limit = integerOption(values.limit, 'limit', { min: 1 }) ?? 20
    const batch = integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 4
    const imageSizePx = integerOption(values.size, 'size', { min: 8, max: 4096 })
    const targetBpp = numberOption(values.bpp, 'bpp')
    if (targetBpp !== undefined && !(targetBpp > 0)) throw new UsageError(`--bpp must be positive, got ${targetBpp}`)
    const { sampling, seed, noise } = samplerFromArgs(values)
    const source = values.checkpoint ? modelSourceFromArgs(values) : undefined
    const { data, out, title } = values
    return withMethods(
      { specs, openModel: source && (() => openInferenceModelForCli(source)), openCheckpoint: (checkpoint) => openInferenceModelForCli({ checkpoint }), targetBpp, imageSizePx, flowmo: { sampling, seed, noise, batch } },
      (opened) => runExport(data, out, limit, batch, title, opened),
    )
  },
}

/** A parsing error of an option value is a usage error. */
function usage<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

type Opened = import('../../trainer/baselines/method-list').OpenedMethods

async function runExport(data: string, out: string, limit: number, batch: number, title: string | undefined, opened: Opened): Promise<number> {
  const { scanImageFolder, scanNotices } = await import('../../trainer/data/dataset')
  const { exportForRating, imageIds } = await import('../../trainer/rating/export')
  const { raterDir } = await import('../../trainer/rating/rater-folder')
  const scan = await scanImageFolder(data, { imageSizePx: opened.imageSizePx })
  for (const line of scanNotices(scan)) console.error(line)
  const images = imageIds(scan.usable.slice(0, limit).map((e) => e.path))
  const ids = opened.methods.map((m) => m.id).join(', ')
  console.error(`exporting ${images.length} images × ${opened.methods.length} methods (${ids}) at ${opened.imageSizePx}px` +
    (opened.targetBpp !== null ? `, codec target ${opened.targetBpp.toFixed(4)} bpp` : ''))
  const bar = new ProgressLine('export', images.length * (1 + opened.methods.length), 'file')
  const abort = new AbortController()
  const onSigint = (): void => abort.abort(new Error(`interrupted; run the same command again to resume from ${out}.partial`))
  process.once('SIGINT', onSigint)
  try {
    const report = await exportForRating({
      images, methods: opened.methods, imageSizePx: opened.imageSizePx, out, title, batch, signal: abort.signal,
      onProgress: (p) => bar.update(p.done, `${p.image} ${p.method}${p.reused ? ' (kept)' : ''}`),
    })
    for (const line of summary(report.manifest)) console.log(line)
    console.log(`wrote ${out}: ${report.written} files made, ${report.reused} kept from an interrupted run`)
    console.log(`hand out only ${join(out, raterDir)}/ to raters (they open index.html in it); the manifest beside it names the methods`)
    return 0
  } finally {
    process.off('SIGINT', onSigint)
  }
}

function summary(m: import('../../trainer/rating/manifest').RatingManifest): string[] {
  const width = Math.max(14, ...m.methods.map((method) => method.id.length))
  return m.methods.map((method) => {
    const rows = m.entries.filter((e) => e.method === method.id)
    const mean = (f: (e: (typeof rows)[number]) => number): number => rows.reduce((a, e) => a + f(e), 0) / rows.length
    const floor = rows.filter((e) => e.settings.belowFloor === true).length
    const note = floor > 0 ? `  (${floor} image${floor === 1 ? '' : 's'} below the codec's lowest rate: its smallest file is used)` : ''
    return `${method.id.padEnd(width)} ${mean((e) => e.bpp).toFixed(4)} bpp  PSNR ${mean((e) => Math.min(e.psnr, 100)).toFixed(2)} dB  SSIM ${mean((e) => e.ssim).toFixed(4)}${note}`
  })
}
