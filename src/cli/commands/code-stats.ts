// `flowmo code-stats`: code-book diagnostics of a tokenizer over a folder (or of a codes file from `flowmo encode`):
// per-bit usage, per-token entropy, the bit correlation matrix, distinct codes and perplexity (metrics/code-usage.ts).
import { existsSync } from 'node:fs'
import { UsageError, integerOption, parseCommandArgs } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openModelChoice } from '../model-options'
import { ProgressLine } from '../progress'

export const codeStats: Command = {
  name: 'code-stats',
  summary: 'code-book diagnostics over a folder: per-bit usage, per-token entropy, bit correlations, distinct codes, perplexity',
  usage: [
    'flowmo code-stats (--checkpoint <file> --data <dir> | --codes <file>) [--json <file>] [options]',
    '',
    ...modelUsage,
    '  --data <dir>       the images to encode (recursive, sorted); --limit <n>: the first n',
    '  --codes <file>     a codes file from `flowmo encode` instead of a checkpoint and folder',
    '  --group <G>        bits per sub-token for entropy and the code book (default: C up to 16, else its largest divisor ≤ 16)',
    '  --json <file>      every number: perBit / perTokenBit usage, perToken entropy, the C × C correlation matrix, code book',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, data: { type: 'string' }, codes: { type: 'string' }, limit: { type: 'string' }, group: { type: 'string' }, json: { type: 'string' },
    })
    if (!values.codes === !values.data) throw new UsageError('give --data <dir> (with --checkpoint) or --codes <file>')
    if (values.codes && !existsSync(values.codes)) throw new Error(`codes file ${values.codes} does not exist`)
    const limit = integerOption(values.limit, 'limit', { min: 1 })
    const set = values.codes ? await (await import('../../trainer/stage2/codes-file')).readCodes(values.codes) : await encodeFolder(values, values.data!, limit)
    const { codeStatistics } = await import('../../trainer/metrics/code-usage')
    const { defaultGroupBits } = await import('../../trainer/metrics/codes')
    const group = integerOption(values.group, 'group', { min: 1, max: 52 }) ?? defaultGroupBits(set.contextDim)
    if (set.contextDim % group !== 0) throw new UsageError(`--group ${group} must divide the ${set.contextDim} bits of a token`)
    const stats = codeStatistics({ data: set.bits, n: set.n, tokens: set.codeLength, bits: set.contextDim }, group)
    console.log(summary(stats))
    if (values.json) {
      const { writeFileAtomic } = await import('../../trainer/atomic-file')
      await writeFileAtomic(values.json, `${JSON.stringify({ source: values.codes ?? values.data, checkpoint: set.tokenizer.checkpoint, ...stats })}\n`)
      console.log(`wrote ${values.json}`)
    }
    return 0
  },
}

type Values = { checkpoint?: string; config?: string; preset?: string; 'state-dict'?: string }

async function encodeFolder(values: Values, data: string, limit: number | undefined) {
  const { inputImages } = await import('./reconstruct')
  const files = (await inputImages([], data)).slice(0, limit)
  const { model } = await openModelChoice(modelChoiceFromArgs(values))
  try {
    const { encodeDataset } = await import('../../trainer/stage2/encode-dataset')
    const bar = new ProgressLine('encode', files.length, 'image')
    return await encodeDataset(model, { dataDir: data, files, flip: false, batch: 8, onProgress: (done) => bar.update(done) })
  } finally {
    await model.dispose()
  }
}

type Stats = ReturnType<typeof import('../../trainer/metrics/code-usage').codeStatistics>

function summary(s: Stats): string {
  const usage = s.bitUsage.perBit
  const corr = s.bitCorrelation.map((v, k) => (Math.floor(k / s.bits) === k % s.bits || v === null ? 0 : Math.abs(v)))
  const worst = corr.indexOf(Math.max(...corr))
  const lowH = s.tokenEntropy.perToken.map((h, t) => [t, h] as const).sort((a, b) => a[1] - b[1]).slice(0, 3)
  return [
    `${s.n} codes of ${s.tokens} tokens × ${s.bits} bits (sub-tokens of ${s.groupBits} bits)`,
    `bit usage (fraction +1): overall ${s.bitUsage.overall.toFixed(3)}, per bit ${Math.min(...usage).toFixed(3)}–${Math.max(...usage).toFixed(3)}`,
    `token entropy: mean ${s.tokenEntropy.meanSubToken.toFixed(3)} bits per sub-token (at most ${s.tokenEntropy.maxBitsPerSubToken.toFixed(2)} with ${s.n} images); lowest tokens ${lowH.map(([t, h]) => `${t} (${h.toFixed(2)})`).join(', ')}`,
    `largest bit correlation: |r| = ${corr[worst].toFixed(3)} between bits ${Math.floor(worst / s.bits)} and ${worst % s.bits}`,
    `code book: ${s.codebook.distinct} of ${s.codebook.possible} sub-token values used (${(100 * s.codebook.utilisation).toFixed(1)}%), perplexity ${s.codebook.perplexity.toFixed(1)}; ${s.distinctImageCodes} distinct image codes`,
  ].join('\n')
}
