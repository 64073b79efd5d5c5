// `flowmo generate`: images from a Stage-2 generator run through its tokenizer: N PNGs, generation.json (the card that
// `flowmo gen-eval` copies into its protocol) and optionally the ADM evaluator's .npz (uint8 NHWC `arr_0`).
import { integerOption, numberOption, parseCommandArgs, requestedBackend, UsageError } from '../args'
import type { Command } from '../command'
import { modelSourceFromArgs, openModelForCli } from '../model-options'
import { ProgressLine } from '../progress'

export const generate: Command = {
  name: 'generate',
  summary: 'sample images from a Stage-2 generator run (MaskGiT) through its tokenizer',
  usage: [
    'flowmo generate --run <run-dir> --tokenizer <checkpoint> --n <count> --out <dir> [options]',
    '',
    '  --run <dir>          a flowmo train --stage 2 run (newest checkpoint, EMA weights)',
    '  --tokenizer <file>   the tokenizer checkpoint whose codes the generator learned',
    '  --config <file>      the tokenizer\'s config, when its checkpoint does not imply it (as for reconstruct)',
    '  --n <count>          images to write (sample_00000.png …)',
    '  --out <dir>          output folder; also generation.json (the generation card)',
    '  --npz <file>         also write the ADM evaluator\'s sample file (uint8 [N, S, S, 3] as arr_0)',
    '  --steps <n>          MaskGiT decoding steps (default 8)',
    '  --temperature <τ>    Gumbel randomised temperature τ₀, annealed as τ₀·(1 − r) (default 2; 0 = deterministic argmax)',
    '  --no-anneal          keep the softmax temperature at 1 (default: 0.5 + 0.8·(1 − r), as TiTok)',
    '  --cfg <g>            classifier-free guidance scale (default 0 = none)',
    '  --cfg-schedule <s>   linear (default: 0, then r·g after each step, as TiTok) | constant',
    '  --class <name>       one class for every sample (default: round-robin over the run\'s classes)',
    '  --seed <n>           sample i uses the streams of (seed, i) for Gumbel noise and the decoder noise (default 0)',
    '  --decode-steps <n>   the tokenizer\'s sampler steps (default: its config\'s)',
    '  --batch <n>          samples per batch (default 8)',
  ].join('\n'),
  async run(argv) {
    const { values: v } = parseCommandArgs(argv, {
      run: { type: 'string' }, tokenizer: { type: 'string' }, config: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' }, npz: { type: 'string' },
      steps: { type: 'string' }, temperature: { type: 'string' }, 'no-anneal': { type: 'boolean' }, cfg: { type: 'string' },
      'cfg-schedule': { type: 'string' }, class: { type: 'string' }, seed: { type: 'string' }, 'decode-steps': { type: 'string' }, batch: { type: 'string' },
    })
    if (!v.run || !v.tokenizer || !v.out) throw new UsageError('--run, --tokenizer and --out are required')
    const n = integerOption(v.n, 'n', { min: 1 })
    if (n === undefined) throw new UsageError('--n <count> is required')
    const schedule = v['cfg-schedule'] ?? 'linear'
    if (schedule !== 'linear' && schedule !== 'constant') throw new UsageError(`--cfg-schedule expects linear or constant, got '${schedule}'`)
    const temperature = numberOption(v.temperature, 'temperature') ?? 2
    if (temperature < 0) throw new UsageError(`--temperature must be ≥ 0, got ${temperature}`)
    const [{ generateImages, writeGenerated }, { readGeneratorRun }] = await Promise.all([import('../../trainer/stage2/generate'), import('../../trainer/stage2/train-generator')])
    const run = await readGeneratorRun(v.run)
    const classIndex = v.class === undefined ? null : run.classes.indexOf(v.class)
    if (classIndex === -1) throw new UsageError(`--class '${v.class}' is not one of the run's classes (${run.classes.join(', ')})`)
    const tokenizer = await openModelForCli(modelSourceFromArgs({ checkpoint: v.tokenizer, config: v.config }), requestedBackend())
    const bar = new ProgressLine('generate', n, 'image')
    const decodeSteps = integerOption(v['decode-steps'], 'decode-steps', { min: 1 })
    const res = await generateImages(tokenizer, {
      run: v.run, n, classIndex, batch: integerOption(v.batch, 'batch', { min: 1 }) ?? 8,
      sampling: {
        steps: integerOption(v.steps, 'steps', { min: 1 }) ?? 8, randomizeTemperature: temperature, softmaxAnnealing: !v['no-anneal'],
        guidanceScale: numberOption(v.cfg, 'cfg') ?? 0, guidanceSchedule: schedule, seed: integerOption(v.seed, 'seed', { min: 0 }) ?? 0,
      },
      decoder: decodeSteps ? { steps: decodeSteps } : {},
      onBatch: (done) => bar.update(done),
    })
    tokenizer.dispose()
    await writeGenerated(v.out, res, v.npz)
    console.log(`wrote ${n} images to ${v.out}${v.npz ? ` and ${v.npz}` : ''}`)
    return 0
  },
}
