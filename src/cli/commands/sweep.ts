// `flowmo sweep`: a grid of sampler settings (steps × ρ × CFG scale × guidance interval) over a set of images, the
// same noise per image in every cell; writes the sweep JSON (trainer/sweep/sweep-result.ts) the app reopens. Scored
// cells are journalled beside it (trainer/sweep/sweep-journal.ts): after Ctrl-C or a crash the same command resumes.
import { integerOption, numberOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openTfjsForCli, pathOptionSpecs } from '../model-options'
import { ProgressLine } from '../progress'
import { noiseKeying } from '../sampler-options'
import type { SweepResult } from '../../trainer/sweep/sweep-result'

const optionSpecs = {
  ...modelOptionSpecs,
  data: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' },
  steps: { type: 'string', multiple: true }, rho: { type: 'string', multiple: true },
  cfg: { type: 'string', multiple: true }, interval: { type: 'string', multiple: true },
  seed: { type: 'string' }, noise: { type: 'string' }, metrics: { type: 'string' }, 'images-dir': { type: 'string' }, 'inline-images': { type: 'boolean' },
  'grid-images': { type: 'string' }, batch: { type: 'string' }, 'weights-dir': { type: 'string' }, ...pathOptionSpecs,
} as const

export const sweep: Command = {
  name: 'sweep',
  summary: 'sample a grid of sampler settings (steps × ρ × CFG × interval) on the same images and noise; JSON per cell',
  usage: [
    'flowmo sweep --checkpoint <file> --data <dir> --steps 2,4 --rho 1,4 --out <file.json> [options]',
    '',
    ...modelUsage,
    '  --data <dir>        image folder (recursive, sorted by path); resized (shorter side) and centre-cropped',
    '  --limit <n>         the first n images (default all)',
    '  --out <file.json>   the sweep result: {"protocol": {…}, "cells": [{"steps", "rho", "metrics", …}, …]};',
    '                      until it is written, scored cells are kept in <file.json>.partial/ and the same',
    '                      command resumes from them (Ctrl-C stops after discarding the cell in flight)',
    '  --steps <list>      Euler steps per cell, e.g. 5,10,25,50 (default: the config\'s)',
    '  --rho <list>        time shifts ρ, t_i = ((n−i)/n)^ρ, e.g. 1,2,4,8 (default: the config\'s)',
    '  --cfg <list>        guidance scales, e.g. 1,1.5 (default: the config\'s)',
    '  --interval <i>      guidance intervals in EDM σ, "lo,hi" or "all"; repeat the option or separate with ";"',
    '                      e.g. --interval ".17,1.02;all" (default: the config\'s)',
    '  --seed <n>          noise seed (default 0); each image starts every cell from the same noise',
    '  --noise image|index  that noise keyed by (seed, the image\'s content) (default) or by (seed, its position)',
    '  --metrics <list>    default psnr,ssim,lpips,fid,kid: each runs when its weights exist (FID/KID from 2048 images);',
    '                      also lpips-alex | lpips-vgg | fid-proxy | kid-proxy',
    '  --images-dir <dir>  write the image grid (originals and each cell\'s reconstructions) as PNG files here',
    '  --inline-images     keep the image grid as base64 PNGs inside the JSON instead',
    '  --grid-images <n>   images in the grid (default 8)',
    '  --batch <n>         images per decoder batch (default 5)',
    '  --weights-dir <d>   folder holding the LPIPS/Inception weight files',
    '  --path <p>          auto (default) | onnxruntime | tfjs',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, optionSpecs)
    if (!values.data) throw new UsageError('--data is required')
    if (!values.out) throw new UsageError('--out is required')
    if (values['images-dir'] && values['inline-images']) throw new UsageError('give --images-dir or --inline-images, not both')
    const options = await sweepOptions(values)
    const { formatSweep } = await import('../../trainer/sweep/print-sweep')
    const result = await sweepUntilCtrlC(options, values.out)
    if (!result) return 130
    console.log(formatSweep(result))
    console.log(`wrote ${values.out}`)
    return 0
  },
}

/** Runs the sweep, each scored cell journalled beside `out`; the first Ctrl-C stops it, discarding the cell in flight
 * (null then, with how to resume); a second one ends the process at once. */
async function sweepUntilCtrlC(options: Awaited<ReturnType<typeof sweepOptions>>, out: string): Promise<SweepResult | null> {
  const { runSweep } = await import('../../trainer/sweep/run-sweep')
  const { partialDir } = await import('../../trainer/sweep/sweep-journal')
  const { gridCellCount, settingLabel } = await import('../../trainer/sweep/grid')
  let bar: ProgressLine | null = null
  let scored = 0
  const controller = new AbortController()
  const stop = () => {
    console.error('\nstopping: the cell in flight is discarded (Ctrl-C again to quit now)')
    controller.abort(new Error('sweep interrupted'))
  }
  process.once('SIGINT', stop)
  try {
    return await runSweep({
      ...options, signal: controller.signal, out,
      openTfjs: openTfjsForCli,
      onNotice: (line) => console.error(line),
      onProgress: (done, total, message) => (bar ??= new ProgressLine('sweep', total, 'img')).update(done, message),
      onCell: (cell, index, resumed) => {
        scored = index + 1
        if (!resumed) console.error(`${process.stderr.isTTY ? '\r\x1b[K' : ''}cell ${index + 1} scored (${settingLabel(cell)}), kept in ${partialDir(out)}`)
      },
    })
  } catch (e) {
    if (!controller.signal.aborted) throw e
    console.error(`stopped after ${scored} of ${gridCellCount(options.grid)} cells; they are kept in ${partialDir(out)}: run the same command again to resume`)
    return null
  } finally {
    process.off('SIGINT', stop)
  }
}

type Values = ReturnType<typeof parseCommandArgs<typeof optionSpecs>>['values']

async function sweepOptions(values: Values) {
  const { parseMetrics } = await import('../../trainer/eval/networks')
  let metrics
  try {
    metrics = values.metrics === undefined ? undefined : parseMetrics(values.metrics)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  return {
    ...modelChoiceFromArgs(values), dataDir: values.data!, metrics,
    limit: integerOption(values.limit, 'limit', { min: 1 }),
    grid: {
      steps: listOption(values.steps, 'steps', (s) => integerOption(s, 'steps', { min: 1, max: 10_000 })!),
      rho: listOption(values.rho, 'rho', positive('rho')),
      cfg: listOption(values.cfg, 'cfg', (s) => numberOption(s, 'cfg')!),
      interval: values.interval && values.interval.flatMap((v) => v.split(';')).map(parseInterval),
    },
    seed: integerOption(values.seed, 'seed', { min: 0 }) ?? 0,
    noise: noiseKeying(values.noise),
    imagesDir: values['images-dir'], inlineImages: values['inline-images'],
    gridImages: integerOption(values['grid-images'], 'grid-images', { min: 0 }),
    batchSize: integerOption(values.batch, 'batch', { min: 1, max: 256 }),
    weightsDir: values['weights-dir'],
  }
}

/** "2,4" (or the option repeated) → [2, 4]; undefined when the option is absent. */
function listOption<T>(values: readonly string[] | undefined, name: string, parse: (s: string) => T): T[] | undefined {
  if (values === undefined) return undefined
  const items = values.flatMap((v) => v.split(',')).map((s) => s.trim())
  if (items.some((s) => s === '')) throw new UsageError(`--${name} expects a comma-separated list, got '${values.join(',')}'`)
  return items.map(parse)
}

const positive = (name: string) => (s: string): number => {
  const x = numberOption(s, name)!
  if (!(x > 0)) throw new UsageError(`--${name} values must be positive, got ${s}`)
  return x
}

/** "lo,hi" or "(lo,hi)" in EDM σ, or "all" (guidance at every step). */
function parseInterval(text: string): readonly [number, number] | null {
  const t = text.trim()
  if (t === 'all') return null
  const m = /^\(?\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)?$/.exec(t)
  const [lo, hi] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN]
  if (!(lo >= 0 && hi >= lo)) throw new UsageError(`--interval expects lo,hi in EDM σ with 0 ≤ lo ≤ hi (e.g. .17,1.02) or all, got '${text}'`)
  return [lo, hi]
}
