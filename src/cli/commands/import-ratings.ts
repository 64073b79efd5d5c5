// `flowmo import-ratings`: ratings files saved by an export's rating page → quality-control filters, per-method win
// rates with 95 % Wilson intervals and a Bradley–Terry ranking, printed and written as JSON.
import { parseCommandArgs, integerOption, UsageError } from '../args'
import type { Command } from '../command'

export const importRatings: Command = {
  name: 'import-ratings',
  summary: 'aggregate ratings from an export\'s rating page: win rates with intervals, Bradley–Terry ranking',
  usage: [
    'flowmo import-ratings <ratings.json>… --export <dir> --out <report.json> [--min-ms <ms>] [--require-flip]',
    '',
    '  --export <dir>     the export folder the ratings were made on (its manifest.json maps the page\'s tokens to methods)',
    '  --out <file>       the report (JSON)',
    '  --min-ms <ms>      drop trials decided faster than this (e.g. 500; default 0)',
    '  --require-flip     drop trials where the rater never used the flip view',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      export: { type: 'string' }, out: { type: 'string' }, 'min-ms': { type: 'string' }, 'require-flip': { type: 'boolean' },
    }, { min: 1, max: 10_000 })
    if (!values.export) throw new UsageError('--export is required')
    if (!values.out) throw new UsageError('--out is required')
    const minMs = integerOption(values['min-ms'], 'min-ms', { min: 0 }) ?? 0
    const { importRatings: aggregate } = await import('../../trainer/rating/import')
    const { writeFileAtomic } = await import('../../trainer/atomic-file')
    const report = await aggregate(positionals, values.export, { minMs, requireFlip: values['require-flip'] ?? false })
    const c = report.counts
    console.log(`${report.files.length} session(s), ${c.total} trials, ${c.kept} kept (${c.tooFast} too fast, ${c.neverFlipped} never flipped)`)
    for (const d of report.duplicateSessions) console.log(`skipped ${d}: a session already read`)
    const width = Math.max(14, ...report.methods.map((m) => m.id.length))
    console.log(`rank  ${'method'.padEnd(width)} bpp     win rate  95% CI           BT score`)
    for (const m of report.methods) {
      const rate = m.winRate === null ? '   --' : (100 * m.winRate).toFixed(1).padStart(5) + '%'
      const ci = `[${(100 * m.ci95[0]).toFixed(1)}, ${(100 * m.ci95[1]).toFixed(1)}]`
      console.log(`${String(m.rank).padStart(4)}  ${m.id.padEnd(width)} ${m.bpp.toFixed(4)}  ${rate}    ${ci.padEnd(15)}  ${m.btScore.toFixed(3)}`)
    }
    await writeFileAtomic(values.out, JSON.stringify(report, null, 2) + '\n')
    console.log(`wrote ${values.out}`)
    return 0
  },
}
