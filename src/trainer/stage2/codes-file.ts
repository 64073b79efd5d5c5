// A dataset's FlowMo codes in one safetensors file (`flowmo encode` writes it, `flowmo decode` and Stage-2 training read it):
// ±1 bits as int8, their token ids, class labels, which source file (and whether its horizontal flip) each row encodes,
// and the tokenizer that made them (config, checkpoint path and sha256), so codes are never decoded by the wrong model.
import { SafetensorsFile, writeSafetensors } from '../checkpoint/safetensors'
import type { ExplicitSizes } from '../model/configs'
import { bitsToIndices, tokenLayout, type TokenLayout } from './tokens'

export const CODES_FORMAT = 'flowmo-codes-1'

export interface TokenizerRef {
  readonly checkpoint: string // path as given to `flowmo encode`
  readonly sha256: string // of the checkpoint file
  readonly stateDict: string | null // 'ema' / 'raw' / the .pth key used
  readonly config: ExplicitSizes
}

export interface CodesSet {
  readonly n: number // rows
  readonly codeLength: number // L
  readonly contextDim: number // C
  readonly bits: Int8Array // [N, L, C] ±1
  readonly indices: Int32Array // [N, L, F] (tokens.ts `bitsToIndices`)
  readonly layout: TokenLayout
  readonly labels: Int32Array // [N] index into classes
  readonly classes: readonly string[] // sub-folder names of the data folder, or ['all'] when it has none
  readonly source: Int32Array // [N] index into files
  readonly flipped: Int8Array // [N] 1: the row encodes the horizontal flip of its file
  readonly files: readonly string[] // the encoded images, in input order
  readonly tokenizer: TokenizerRef
}

/** Builds the set from ±1 bits (rows in input order, flipped copies after all originals). */
export function codesSet(parts: Omit<CodesSet, 'indices' | 'layout'>): CodesSet {
  const { n, codeLength: L, contextDim: C } = parts
  const layout = tokenLayout(L, C, parts.tokenizer.config.codebookSizeForEntropy)
  for (const [name, a, len] of [['bits', parts.bits, n * L * C], ['labels', parts.labels, n], ['source', parts.source, n], ['flipped', parts.flipped, n]] as const) {
    if (a.length !== len) throw new Error(`codes: ${name} has ${a.length} values, expected ${len}`)
  }
  return { ...parts, layout, indices: bitsToIndices(parts.bits, n, layout) }
}

export async function writeCodes(path: string, s: CodesSet): Promise<void> {
  const { n, codeLength: L, contextDim: C, layout } = s
  await writeSafetensors(path, [
    { name: 'bits', dtype: 'I8', shape: [n, L, C], data: s.bits },
    { name: 'indices', dtype: 'I32', shape: [n, L, layout.subTokens], data: s.indices },
    { name: 'labels', dtype: 'I32', shape: [n], data: s.labels },
    { name: 'source', dtype: 'I32', shape: [n], data: s.source },
    { name: 'flipped', dtype: 'I8', shape: [n], data: s.flipped },
  ], {
    format: CODES_FORMAT,
    files: JSON.stringify(s.files),
    classes: JSON.stringify(s.classes),
    tokenizer: JSON.stringify(s.tokenizer),
    layout: JSON.stringify(layout),
  })
}

export async function readCodes(path: string): Promise<CodesSet> {
  const f = await SafetensorsFile.open(path)
  try {
    const meta = f.header.metadata
    if (meta.format !== CODES_FORMAT) throw new Error(`${path}: not a codes file from 'flowmo encode' (format ${JSON.stringify(meta.format ?? null)}, expected ${CODES_FORMAT})`)
    const [n, L, C] = f.entry('bits').shape
    const ints = async (name: string) => Int32Array.from(await f.readTensor(name))
    const set = codesSet({
      n, codeLength: L, contextDim: C,
      bits: Int8Array.from(await f.readTensor('bits')),
      labels: await ints('labels'), source: await ints('source'), flipped: Int8Array.from(await f.readTensor('flipped')),
      files: JSON.parse(meta.files) as string[], classes: JSON.parse(meta.classes) as string[], tokenizer: JSON.parse(meta.tokenizer) as TokenizerRef,
    })
    const stored = await ints('indices')
    if (stored.some((v, i) => v !== set.indices[i])) throw new Error(`${path}: stored token ids disagree with its bits (file damaged?)`)
    return set
  } catch (e) {
    throw new Error(`cannot read codes ${path}: ${(e as Error).message.replace(`${path}: `, '')}`)
  } finally {
    await f.close()
  }
}

/** Class of each image path: its first folder below `dataDir`; one class 'all' when every image sits at the top. */
export function classLabels(dataDir: string, paths: readonly string[], relative: (from: string, to: string) => string): { labels: Int32Array; classes: string[] } {
  const parts = paths.map((p) => relative(dataDir, p).split(/[\\/]/))
  if (parts.some((x) => x.length < 2)) return { labels: new Int32Array(paths.length), classes: ['all'] }
  const classes = [...new Set(parts.map((x) => x[0]))].sort()
  return { labels: Int32Array.from(parts, (x) => classes.indexOf(x[0])), classes }
}
