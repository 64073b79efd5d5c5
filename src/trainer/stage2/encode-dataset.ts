// `flowmo encode`'s work: every image of a folder (and optionally its horizontal flip, as TiTok and LlamaGen pre-tokenise)
// through a tokenizer's encoder and sign quantiser, in input order, into a CodesSet.
import { relative } from 'node:path'
import { BadImageError, loadImageTensor } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import { hashFile } from '../metrics/protocol'
import { explicitSizes } from '../train/checkpointing'
import { classLabels, codesSet, type CodesSet } from './codes-file'

export interface EncodeOptions {
  readonly dataDir: string
  readonly files: readonly string[] // usable images, sorted (data/dataset scanImageFolder)
  readonly flip: boolean // also encode each image mirrored left–right; those rows follow all originals
  readonly batch: number
  readonly onProgress?: (done: number, total: number) => void
}

/** x [3, S, S] mirrored along its width. */
export function flipHorizontal(x: Float32Array, S: number): Float32Array {
  const out = new Float32Array(x.length)
  for (let row = 0; row < 3 * S; row++) for (let col = 0; col < S; col++) out[row * S + col] = x[row * S + S - 1 - col]
  return out
}

export async function encodeDataset(model: InferenceModel, opts: EncodeOptions): Promise<CodesSet> {
  const { imageSize: S, codeLength: L, contextDim: C, quantizer } = model.config
  if (quantizer.kind !== 'lfq') throw new Error(`codes are stored as ±1 bits (LFQ tokens); this model's code is ${quantizer.kind}, which they cannot hold`)
  const files = opts.files
  const rows = files.length * (opts.flip ? 2 : 1)
  const source = Int32Array.from({ length: rows }, (_, r) => r % files.length)
  const flipped = Int8Array.from({ length: rows }, (_, r) => (r >= files.length ? 1 : 0))
  const bits = new Int8Array(rows * L * C)
  for (let first = 0; first < rows; first += opts.batch) {
    const count = Math.min(opts.batch, rows - first)
    const x = new Float32Array(count * 3 * S * S)
    for (let i = 0; i < count; i++) {
      const path = files[source[first + i]]
      let img: Float32Array
      try {
        img = await loadImageTensor(path, S, 'center')
      } catch (e) {
        if (e instanceof BadImageError) throw e // its message names the file
        throw new Error(`cannot read image ${path}: ${(e as Error).message}`)
      }
      x.set(flipped[first + i] ? flipHorizontal(img, S) : img, i * 3 * S * S)
    }
    const { code } = await model.encode(x, count)
    for (let k = 0; k < code.length; k++) bits[first * L * C + k] = code[k] > 0 ? 1 : -1
    opts.onProgress?.(first + count, rows)
  }
  const { labels, classes } = classLabels(opts.dataDir, files, relative)
  const tokenizer = {
    checkpoint: model.info.checkpoint, sha256: await hashFile(model.info.checkpoint), stateDict: model.info.stateDict, config: explicitSizes(model.config),
  }
  return codesSet({
    n: rows, codeLength: L, contextDim: C, bits, labels: Int32Array.from(source, (s) => labels[s]), classes, source, flipped, files, tokenizer,
  })
}
