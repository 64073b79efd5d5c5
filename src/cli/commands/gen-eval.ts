// `flowmo gen-eval`: generation metrics (FID, sFID, IS, precision/recall, KID) of a sample folder against real images.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { formatMetric } from '../../shared/metrics'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { ProgressLine } from '../progress'

export const genEval: Command = {
  name: 'gen-eval',
  summary: 'generation metrics of a sample folder against real images (FID, sFID, IS, precision/recall, KID) with a protocol card',
  usage: [
    'flowmo gen-eval --samples <dir> --ref <dir> [--json <file>] [options]',
    '',
    '  --samples <dir>    generated images (e.g. from flowmo generate); their size sets the size both sets are read at',
    '  --ref <dir>        real images (resized by the shorter side and centre-cropped to that size)',
    '  --json <file>      write {metrics, protocol, warnings}',
    '  --weights <dir>    where pt_inception-2015-12-05-6726825d.pth is (else the usual weight folders); without it the',
    '                     offline proxy network runs and every network metric is named …-proxy',
    '  --proxy            use the proxy network even when the Inception weights are present',
    '  --batch <n>        images per feature batch (default 16)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      samples: { type: 'string' }, ref: { type: 'string' }, json: { type: 'string' }, weights: { type: 'string' }, proxy: { type: 'boolean' }, batch: { type: 'string' },
    })
    if (!values.samples || !values.ref) throw new UsageError('--samples and --ref are required')
    const batch = integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 16
    const [{ initBackend }, { evaluateGeneration }] = await Promise.all([import('../../trainer/backend'), import('../../trainer/stage2/gen-eval')])
    await initBackend()
    const bars = new Map<string, ProgressLine>()
    const report = await evaluateGeneration({
      samplesDir: values.samples, refDir: values.ref, weightsDir: values.weights, proxy: values.proxy, batch,
      onProgress: (what, done, total) => {
        if (!bars.has(what)) bars.set(what, new ProgressLine(what, total, 'image'))
        bars.get(what)!.update(done)
      },
    })
    for (const w of report.warnings) console.error(`warning: ${w}`)
    const width = Math.max(...Object.keys(report.metrics).map((k) => k.length))
    for (const [k, v] of Object.entries(report.metrics)) console.log(`${k.padEnd(width)}  ${formatMetric(k, v)}`)
    console.log(`N = ${report.protocol.samples.n} samples vs ${report.protocol.reference.n} reference images at ${report.protocol.imageSizePx} px; network: ${report.protocol.network.name}`)
    if (values.json) {
      await mkdir(dirname(values.json), { recursive: true })
      await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`)
    }
    return 0
  },
}
