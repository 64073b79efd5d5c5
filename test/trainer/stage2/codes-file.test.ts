// The codes file: write → read keeps every tensor and the tokenizer record; class labels from sub-folders.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeSafetensors } from '../../../src/trainer/checkpoint/safetensors'
import { classLabels, codesSet, readCodes, writeCodes } from '../../../src/trainer/stage2/codes-file'
import { flipHorizontal } from '../../../src/trainer/stage2/encode-dataset'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-codes-'))
const config = { imageSize: 8, patchSize: 4, codeLength: 3, contextDim: 18, codebookSizeForEntropy: 9, encoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 }, decoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 } }

describe('codes file', () => {
  it('round-trips bits, ids, labels, sources, flips and the tokenizer record', async () => {
    const bits = Int8Array.from({ length: 4 * 3 * 18 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : -1))
    const set = codesSet({
      n: 4, codeLength: 3, contextDim: 18, bits, labels: Int32Array.from([0, 1, 0, 1]), classes: ['cats', 'dogs'],
      source: Int32Array.from([0, 1, 0, 1]), flipped: Int8Array.from([0, 0, 1, 1]), files: ['a/x.png', 'b/y.png'],
      tokenizer: { checkpoint: 'm.safetensors', sha256: 'ab'.repeat(32), stateDict: 'ema', config },
    })
    const path = join(tmp, 'codes.safetensors')
    await writeCodes(path, set)
    const back = await readCodes(path)
    expect(back.layout).toEqual({ positions: 3, subTokens: 2, bitsPerSubToken: 9, vocabulary: 512 })
    for (const k of ['bits', 'indices', 'labels', 'source', 'flipped'] as const) expect(Array.from(back[k])).toEqual(Array.from(set[k]))
    expect([back.files, back.classes, back.tokenizer]).toEqual([set.files, set.classes, set.tokenizer])
  })

  it('refuses a safetensors file that holds no codes, naming it', async () => {
    const path = join(tmp, 'weights.safetensors')
    await writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array(1) }])
    await expect(readCodes(path)).rejects.toThrow(/weights\.safetensors.*not a codes file/)
    writeFileSync(join(tmp, 'junk.safetensors'), 'junk')
    await expect(readCodes(join(tmp, 'junk.safetensors'))).rejects.toThrow(/junk\.safetensors: not a safetensors file/)
  })

  it('labels images by their first sub-folder, or one class when any sits at the top', () => {
    expect(classLabels('/d', ['/d/cat/1.png', '/d/dog/2.png', '/d/cat/x/3.png'], relative)).toEqual({ labels: Int32Array.from([0, 1, 0]), classes: ['cat', 'dog'] })
    expect(classLabels('/d', ['/d/1.png', '/d/dog/2.png'], relative)).toEqual({ labels: Int32Array.from([0, 0]), classes: ['all'] })
  })

  it('flips images left–right', () => {
    const x = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => i) // [3, 2, 2]
    expect(Array.from(flipHorizontal(x, 2))).toEqual([1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10])
  })
})
