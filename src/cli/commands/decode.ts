// `flowmo decode`: codes from `flowmo encode` (or `flowmo generate --codes`) → PNGs through the tokenizer's decoder, with
// reconstruct's sampler options; row i is sampled from the noise of (seed, i) (a codes file holds no image to key the noise by),
// so decode(encode(x)) = reconstruct(x) with --noise index.
import { mkdir } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openModelChoice, pathOptionSpecs } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

export const decode: Command = {
  name: 'decode',
  summary: 'decode a codes file into PNGs (one per code, in input order), as reconstruct samples',
  usage: [
    'flowmo decode --checkpoint <file> --codes <codes.safetensors> --out <dir> [options]',
    '',
    ...modelUsage,
    '  --codes <file>     codes written by flowmo encode',
    '  --out <dir>        <name>.png per code (<name>_flip.png for flipped rows)',
    '  --batch <n>        codes per batch (default 4)',
    '  --path <p>         auto (default) | onnxruntime | tfjs, as for reconstruct',
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, ...pathOptionSpecs, ...samplerOptionSpecs, codes: { type: 'string' }, out: { type: 'string' }, batch: { type: 'string' },
    })
    if (!values.out) throw new UsageError('--out is required')
    if (!values.codes) throw new UsageError('--codes is required')
    const { sampling, seed } = samplerFromArgs(values)
    const batch = integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 4
    const choice = modelChoiceFromArgs(values)
    const [{ readCodes }, { hashFile }] = await Promise.all([import('../../trainer/stage2/codes-file'), import('../../trainer/metrics/protocol')])
    const set = await readCodes(values.codes)
    if (set.tokenizer.sha256 !== (await hashFile(choice.source.checkpoint))) {
      console.error(`warning: ${values.codes} was encoded with ${set.tokenizer.checkpoint} (sha256 ${set.tokenizer.sha256.slice(0, 12)}…), not this checkpoint`)
    }
    const fast = await openModelChoice(choice)
    const model = fast.model
    const { imageSize: S, codeLength: L, contextDim: C } = model.config
    if (L !== set.codeLength || C !== set.contextDim) throw new Error(`${values.codes} holds ${set.codeLength} tokens × ${set.contextDim} bits; the model reads ${L} × ${C}`)
    const [{ fromModelOutput, writePng }, { initialNoiseBatch }, { outputPaths }] = await Promise.all([
      import('../../trainer/data/images'), import('../../trainer/sample/noise'), import('./reconstruct'),
    ])
    const names = outputPaths(set.files, values.out).map((p) => basename(p, extname(p)))
    const outputs = Array.from({ length: set.n }, (_, r) => `${values.out}/${names[set.source[r]]}${set.flipped[r] ? '_flip' : ''}.png`)
    await mkdir(values.out, { recursive: true })
    const steps = { ...model.config.sampling, ...sampling }.steps
    const bar = new ProgressLine('decode', set.n * steps, 'step')
    for (let first = 0; first < set.n; first += batch) {
      const count = Math.min(batch, set.n - first)
      const code = Float32Array.from(set.bits.subarray(first * L * C, (first + count) * L * C))
      const z0 = initialNoiseBatch(seed, first, count, S)
      const res = await model.decode(code, z0, count, { sampling, onStep: (step) => bar.update(first * steps + step * count, `code ${first + 1}-${first + count}/${set.n}`) })
      for (let i = 0; i < count; i++) await writePng(outputs[first + i], fromModelOutput(res.images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S), S, S)
    }
    await model.dispose()
    console.log(`wrote ${set.n} image${set.n === 1 ? '' : 's'} to ${values.out} (${fast.path})`)
    return 0
  },
}
