// `tokenizer.json`: the small description that makes an encoder.onnx / decoder.onnx pair usable as a baseline
// (docs/baselines.md). Parsed strictly; every problem is listed in one error naming the file and the field.

export type PixelRange = readonly [-1, 1] | readonly [0, 1]
export type TokenDtype = 'int64' | 'int32' | 'float32'

export interface GraphIo {
  readonly file: string // relative to the tokenizer folder
  readonly input: string | null // graph input name; null = the graph's first input
  readonly output: string | null // graph output name; null = the graph's first output
}

export interface TokenizerSpec {
  readonly name: string
  readonly imageSize: number // square input/output size in pixels, e.g. 256
  readonly layout: 'NCHW'
  readonly inputRange: PixelRange // what the encoder expects, e.g. [-1, 1]
  readonly outputRange: PixelRange // what the decoder returns; default inputRange
  readonly tokenCount: number // tokens per image, e.g. 256 (16×16)
  readonly vocabSize: number | null // codebook size, e.g. 16384; null when only bitsPerToken is given
  readonly bitsPerToken: number // log2(vocabSize), or given for lookup-free codes
  readonly tokenDtype: TokenDtype // encoder output and decoder input element type
  readonly tokenShape: readonly number[] // the decoder input's dims after the batch dim; product = tokenCount
  readonly maxBatch: number // images per session run; 1 for graphs exported with a fixed batch
  readonly encoder: GraphIo
  readonly decoder: GraphIo
}

const KNOWN_KEYS = new Set(['version', 'name', 'imageSize', 'layout', 'inputRange', 'outputRange', 'tokenCount', 'vocabSize',
  'bitsPerToken', 'tokenDtype', 'tokenShape', 'maxBatch', 'encoder', 'decoder'])

/** bits per pixel = tokenCount × bitsPerToken / imageSize². */
export function tokenizerBpp(spec: TokenizerSpec): number {
  return (spec.tokenCount * spec.bitsPerToken) / (spec.imageSize * spec.imageSize)
}

export function parseTokenizerJson(text: string, source: string): TokenizerSpec {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: expected a JSON object`)
  const problems: string[] = []
  const spec = readSpec(raw as Record<string, unknown>, problems)
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`)
  return spec
}

function readSpec(o: Record<string, unknown>, problems: string[]): TokenizerSpec {
  for (const k of Object.keys(o)) if (!KNOWN_KEYS.has(k)) problems.push(`unknown field "${k}"`)
  if (o.version !== undefined && o.version !== 1) problems.push(`"version" must be 1, got ${JSON.stringify(o.version)}`)
  if (o.layout !== undefined && o.layout !== 'NCHW') problems.push(`"layout" must be "NCHW", got ${JSON.stringify(o.layout)}`)
  const name = typeof o.name === 'string' && o.name.trim() ? o.name : (problems.push('"name" must be a non-empty string'), '')
  const imageSize = positiveInt(o, 'imageSize', problems)
  const tokenCount = positiveInt(o, 'tokenCount', problems)
  const inputRange = pixelRange(o.inputRange, 'inputRange', problems) ?? [-1, 1]
  const outputRange = o.outputRange === undefined ? inputRange : (pixelRange(o.outputRange, 'outputRange', problems) ?? inputRange)
  const { vocabSize, bitsPerToken } = tokenBits(o, problems)
  const tokenDtype = (['int64', 'int32', 'float32'] as const).find((d) => d === o.tokenDtype)
  if (!tokenDtype) problems.push(`"tokenDtype" must be "int64", "int32" or "float32", got ${JSON.stringify(o.tokenDtype)}`)
  const tokenShape = o.tokenShape === undefined ? [tokenCount] : intList(o.tokenShape, 'tokenShape', problems)
  if (tokenShape.reduce((a, b) => a * b, 1) !== tokenCount) problems.push(`"tokenShape" [${tokenShape}] holds ${tokenShape.reduce((a, b) => a * b, 1)} tokens, "tokenCount" is ${tokenCount}`)
  const maxBatch = o.maxBatch === undefined ? 1 : positiveInt(o, 'maxBatch', problems)
  return {
    name, imageSize, layout: 'NCHW', inputRange, outputRange, tokenCount, vocabSize, bitsPerToken, tokenDtype: tokenDtype ?? 'int64',
    tokenShape, maxBatch,
    encoder: graphIo(o.encoder, 'encoder', problems), decoder: graphIo(o.decoder, 'decoder', problems),
  }
}

function positiveInt(o: Record<string, unknown>, key: string, problems: string[]): number {
  const v = o[key]
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v
  problems.push(`"${key}" must be a positive integer, got ${JSON.stringify(v)}`)
  return 1
}

function intList(v: unknown, key: string, problems: string[]): number[] {
  if (Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d > 0)) return v as number[]
  problems.push(`"${key}" must be a list of positive integers, got ${JSON.stringify(v)}`)
  return []
}

function pixelRange(v: unknown, key: string, problems: string[]): PixelRange | null {
  if (Array.isArray(v) && v.length === 2 && v[1] === 1 && (v[0] === -1 || v[0] === 0)) return v[0] === -1 ? [-1, 1] : [0, 1]
  problems.push(`"${key}" must be [-1, 1] or [0, 1], got ${JSON.stringify(v)}`)
  return null
}

/** vocabSize (→ log2) or bitsPerToken, not both. */
function tokenBits(o: Record<string, unknown>, problems: string[]): { vocabSize: number | null; bitsPerToken: number } {
  const hasVocab = o.vocabSize !== undefined
  const hasBits = o.bitsPerToken !== undefined
  if (hasVocab === hasBits) {
    problems.push('give exactly one of "vocabSize" (codebook size) and "bitsPerToken"')
    return { vocabSize: null, bitsPerToken: 1 }
  }
  if (hasVocab) {
    const vocabSize = positiveInt(o, 'vocabSize', problems)
    if (vocabSize < 2) problems.push(`"vocabSize" must be at least 2, got ${vocabSize}`)
    return { vocabSize, bitsPerToken: Math.log2(vocabSize) }
  }
  const bits = o.bitsPerToken
  if (typeof bits === 'number' && bits > 0 && Number.isFinite(bits)) return { vocabSize: null, bitsPerToken: bits }
  problems.push(`"bitsPerToken" must be a positive number, got ${JSON.stringify(bits)}`)
  return { vocabSize: null, bitsPerToken: 1 }
}

function graphIo(v: unknown, key: 'encoder' | 'decoder', problems: string[]): GraphIo {
  const fallback = { file: `${key}.onnx`, input: null, output: null }
  if (v === undefined) return fallback
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`"${key}" must be an object {file?, input?, output?}`)
    return fallback
  }
  const o = v as Record<string, unknown>
  const str = (k: string): string | null => {
    if (o[k] === undefined) return null
    if (typeof o[k] === 'string' && o[k]) return o[k] as string
    problems.push(`"${key}.${k}" must be a non-empty string`)
    return null
  }
  const file = str('file') ?? fallback.file
  if (file.includes('..') || file.startsWith('/')) problems.push(`"${key}.file" must be a file inside the tokenizer folder, got "${file}"`)
  return { file, input: str('input'), output: str('output') }
}
