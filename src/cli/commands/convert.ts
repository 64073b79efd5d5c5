// `flowmo convert`: checkpoints between our safetensors and the reference train.py's .pth, both ways, bit for bit.
import { existsSync } from 'node:fs'
import { parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { ProgressLine } from '../progress'

export const convert: Command = {
  name: 'convert',
  summary: 'convert a checkpoint between our .safetensors and the official trainer\'s .pth (+ its config.yaml)',
  usage: [
    'flowmo convert --checkpoint <file> --to pth|safetensors --out <file> [options]',
    '',
    'To .pth: a torch.save dict {total_steps, model_ema_state_dict, model_state_dict, optimizer_state_dict} as the',
    'reference train.py saves it (the optimiser from <name>.optim.safetensors beside the checkpoint, in torch Adam\'s',
    'layout), and the run\'s config.yaml in the reference layout (in results/<exp>/ when --out is results/<exp>/',
    'checkpoints/<step:08d>.pth, so train.py resumes from it on its own). To .safetensors: our training checkpoint',
    '(model. and ema. weights, run metadata) and <name>.optim.safetensors, so `flowmo train --resume` continues it.',
    'fp32 tensors are copied bit for bit, in their order.',
    '',
    '  --checkpoint <f>   the checkpoint to convert (.safetensors or .pth)',
    '  --to <format>      pth | safetensors',
    '  --out <f>          the file to write',
    '  --config <f>       model config (default: the checkpoint\'s metadata, the run\'s config.yaml, else its shapes)',
    '  --config-out <f>   where config.yaml goes (to pth; default: the run folder of --out)',
    '  --no-config        write no config.yaml',
  '  --no-optimizer     to pth: leave out optimizer_state_dict (train.py never loads it; its floats need torch ≥ 2.0',
  '                     under torch.load(weights_only=True))',
    '  --json             print the report as JSON',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      checkpoint: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, config: { type: 'string' },
      'config-out': { type: 'string' }, 'no-config': { type: 'boolean' }, 'no-optimizer': { type: 'boolean' }, json: { type: 'boolean' },
    })
    if (!values.checkpoint) throw new UsageError('--checkpoint is required')
    if (!values.out) throw new UsageError('--out is required')
    if (values.to !== 'pth' && values.to !== 'safetensors') throw new UsageError(`--to expects pth or safetensors, got '${values.to ?? ''}'`)
    if (values['no-config'] && values['config-out']) throw new UsageError('give --config-out or --no-config, not both')
    if (!existsSync(values.checkpoint)) throw new Error(`checkpoint ${values.checkpoint} does not exist`)
    if (values.config && !existsSync(values.config)) throw new Error(`config ${values.config} does not exist`)
    const { convertToPth, convertToSafetensors } = await import('../../trainer/official/convert')
    let bar: ProgressLine | null = null
    const request = {
      checkpoint: values.checkpoint, out: values.out, config: values.config,
      configOut: values['no-config'] ? null : values['config-out'], withOptimizer: !values['no-optimizer'],
      onProgress: (done: number, total: number) => (bar ??= new ProgressLine('convert', total, 'tensors')).update(done),
    }
    const report = values.to === 'pth' ? await convertToPth(request) : await convertToSafetensors(request)
    if (values.json) {
      console.log(JSON.stringify(report, null, 2))
      return 0
    }
    const lines = [
      `wrote ${report.written.join(', ')}`,
      `  step ${report.totalSteps}; ${report.stateDicts.join(', ')}; ${report.tensors} tensors per state dict; Adam state ${report.optimizer ? 'carried over' : 'none'}`,
      `  model config from ${report.config.source}`,
      ...report.notes.map((n) => `  note: ${n}`),
    ]
    const overrides = report.config.reference?.overrides ?? []
    if (values.to === 'pth') lines.push(`  train.py overrides for this model: ${overrides.length ? overrides.map((o) => `'${o}'`).join(' ') : '(none: base.yaml as is)'}`)
    console.log(lines.join('\n'))
    return 0
  },
}
