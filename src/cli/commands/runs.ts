// `flowmo runs show <folder>`: an official trainer run folder (results/<experiment>/) — its config, checkpoints and
// every TensorBoard scalar.
import { parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'

export const runs: Command = {
  name: 'runs',
  summary: 'show an official trainer run folder: config.yaml, checkpoints and every TensorBoard scalar',
  usage: [
    'flowmo runs show <folder> [--json <file>]',
    '',
    'Reads results/<experiment>/ as the reference train.py writes it: config.yaml (the model it describes),',
    'checkpoints/<step:08d>.pth (complete or still being written) and the events.out.tfevents.* files of its',
    'SummaryWriter (TFRecord, CRC-32C checked), listing every scalar tag with its points.',
    '',
    '  --json <file>   write the whole run (config, checkpoints, every scalar point) as JSON',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'string' } }, { min: 2, max: 2 })
    if (positionals[0] !== 'show') throw new UsageError(`unknown runs subcommand '${positionals[0]}' (subcommands: show)`)
    const { readOfficialRun } = await import('../../trainer/official/run-folder')
    const run = await readOfficialRun(positionals[1]!)
    if (values.json) {
      const { writeFileAtomic } = await import('../../trainer/atomic-file')
      await writeFileAtomic(values.json, `${JSON.stringify(run, null, 2)}\n`)
    }
    const c = run.config
    const lines = [
      `run         ${run.folder}`,
      `config      ${c ? `${c.path}: ${c.model ? `${c.model.imageSize}px, ${c.model.codeLength} tokens × ${c.model.contextDim} bits, decoder ${c.model.decoder.hiddenSize}×${c.model.decoder.depth}, encoder ${c.model.encoder.hiddenSize}×${c.model.encoder.depth}` : `model not readable (${c.modelError})`}` : 'none'}`,
      `checkpoints ${run.checkpoints.length === 0 ? 'none' : ''}`,
      ...run.checkpoints.map((k) => `  step ${String(k.step).padStart(8)}  ${(k.bytes / 2 ** 20).toFixed(1).padStart(9)} MiB  ${k.complete ? '' : '(incomplete: being written)'}  ${k.file}`),
      `scalars     ${Object.keys(run.scalars).length} tags from ${run.eventFiles.length} event file${run.eventFiles.length === 1 ? '' : 's'}`,
      ...Object.entries(run.scalars).map(([tag, pts]) => {
        const last = pts[pts.length - 1]!
        return `  ${tag.padEnd(28)} ${String(pts.length).padStart(6)} points, steps ${pts[0]!.step}–${last.step}, last ${last.value.toPrecision(5)}`
      }),
    ]
    console.log(lines.join('\n'))
    return 0
  },
}
