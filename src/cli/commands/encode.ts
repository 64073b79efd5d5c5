// `flowmo encode`: a folder of images → their FlowMo codes in one safetensors file (stage2/codes-file.ts), for
// `flowmo decode` and Stage-2 training (`flowmo train --stage 2 --codes …`).
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openModelChoice, pathOptionSpecs } from '../model-options'
import { ProgressLine } from '../progress'

export const encode: Command = {
  name: 'encode',
  summary: "write a folder's codes (±1 bits, token ids, labels, tokenizer id) to one safetensors file",
  usage: [
    'flowmo encode --checkpoint <file> --data <dir> --out <codes.safetensors> [options]',
    '',
    ...modelUsage,
    '  --data <dir>       every image in a folder (recursive, sorted by path); sub-folder names become class labels',
    '  --out <file>       the codes file (bits int8 [N, L, C], indices int32 [N, L, F], labels, source, flipped)',
    '  --flip             also encode each image mirrored left–right (rows N…2N−1)',
    '  --batch <n>        images per batch (default 8)',
    '  --path <p>         auto (default) | onnxruntime | tfjs, as for reconstruct',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, ...pathOptionSpecs, data: { type: 'string' }, out: { type: 'string' }, flip: { type: 'boolean' }, batch: { type: 'string' },
    })
    if (!values.out) throw new UsageError('--out is required')
    if (!values.data) throw new UsageError('--data is required')
    const batch = integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 8
    const { inputImages } = await import('./reconstruct')
    const choice = modelChoiceFromArgs(values)
    const files = await inputImages([], values.data)
    const fast = await openModelChoice(choice)
    const [{ encodeDataset }, { writeCodes }] = await Promise.all([import('../../trainer/stage2/encode-dataset'), import('../../trainer/stage2/codes-file')])
    const bar = new ProgressLine('encode', files.length * (values.flip ? 2 : 1), 'image')
    const set = await encodeDataset(fast.model, { dataDir: values.data, files, flip: values.flip ?? false, batch, onProgress: (done) => bar.update(done) })
    await fast.model.dispose()
    await mkdir(dirname(values.out), { recursive: true })
    await writeCodes(values.out, set)
    const { positions, subTokens, vocabulary } = set.layout
    console.log(`wrote ${set.n} codes (${positions} tokens × ${set.contextDim} bits = ${positions * subTokens} ids of ${vocabulary}; ${set.classes.length} class${set.classes.length === 1 ? '' : 'es'}) to ${values.out}`)
    return 0
  },
}
