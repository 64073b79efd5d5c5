// An external image tokenizer (OpenMagViT-V2, LlamaGen VQ, TiTok, …) run through onnxruntime-node under the
// contract in docs/baselines.md: a folder with encoder.onnx (image → tokens), decoder.onnx (tokens → image) and
// tokenizer.json (tokenizer-json.ts). Token dtypes other than float32 are fed and read directly through ort.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { OrtDevice } from '../export/ort-device'
import { openOrtSession, type OrtSessionOptions } from '../export/ort-session'
import { fromModelOutput, toModelInput, type RgbImage } from '../data/images'
import { commonSquareSize, type Method, type Reconstruction } from './method'
import { parseTokenizerJson, tokenizerBpp, type PixelRange, type TokenDtype, type TokenizerSpec } from './tokenizer-json'

/** HWC uint8 → CHW float32 in the given range. */
export function rgbToChw(img: RgbImage, range: PixelRange): Float32Array {
  const x = toModelInput(img.rgb, img.h, img.w) // [−1, 1]
  if (range[0] === 0) for (let i = 0; i < x.length; i++) x[i] = (x[i] + 1) / 2
  return x
}

/** CHW float in the given range → HWC uint8 (clipped, rounded as fromModelOutput). */
export function chwToRgb(chw: Float32Array, h: number, w: number, range: PixelRange): RgbImage {
  const signed = range[0] === 0 ? chw.map((v) => 2 * v - 1) : chw
  return { rgb: fromModelOutput(signed, h, w), h, w }
}

/** Tokens as an ort tensor of the contract's dtype. */
export function tokenTensor(tokens: Float64Array, dtype: TokenDtype, dims: readonly number[]): ort.Tensor {
  if (dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), dims)
  if (dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(tokens), dims)
  return new ort.Tensor('float32', Float32Array.from(tokens), dims)
}

/** Reads tokens out of an encoder output, checking its dtype, count and (when known) the vocabulary range. */
export function readTokens(t: ort.Tensor, spec: TokenizerSpec, batch: number): Float64Array {
  if (t.type !== spec.tokenDtype) throw new Error(`${spec.name}: encoder output is ${t.type}, tokenizer.json says ${spec.tokenDtype}`)
  if (t.size !== batch * spec.tokenCount) {
    throw new Error(`${spec.name}: encoder output [${t.dims}] holds ${t.size} tokens for ${batch} image(s), tokenizer.json says ${spec.tokenCount} each`)
  }
  const data = t.data as BigInt64Array | Int32Array | Float32Array
  const tokens = Float64Array.from(data as ArrayLike<number | bigint>, (v) => Number(v))
  const limit = spec.vocabSize ?? 2 ** spec.bitsPerToken
  const bad = tokens.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= limit)
  if (bad >= 0) throw new Error(`${spec.name}: token ${bad} is ${tokens[bad]}, outside the vocabulary 0..${limit - 1}`)
  return tokens
}

export class OnnxTokenizer {
  private constructor(
    readonly dir: string,
    readonly spec: TokenizerSpec,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    readonly device: OrtDevice, // the execution provider both sessions run on
  ) {}

  /** Opens the folder's two graphs on the selected device (`--device` / FLOWMO_DEVICE, as every session). */
  static async open(dir: string, options: OrtSessionOptions = {}): Promise<OnnxTokenizer> {
    const jsonPath = join(dir, 'tokenizer.json')
    const text = await readFile(jsonPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${dir} is not an ONNX tokenizer folder: cannot read tokenizer.json (${e.code ?? e.message})`)
    })
    const spec = parseTokenizerJson(text, jsonPath)
    const open = (file: string, device?: OrtDevice) =>
      openOrtSession(join(dir, file), { ...options, ...(device && { device }) }).catch((e: Error) => {
        throw new Error(`${join(dir, file)}: cannot load the ONNX graph (${e.message.split('\n')[0]})`)
      })
    const encoder = await open(spec.encoder.file)
    const decoder = await open(spec.decoder.file, encoder.device) // a device fallback is noticed once
    return new OnnxTokenizer(dir, spec, encoder.session, decoder.session, encoder.device)
  }

  get bitsPerPixel(): number {
    return tokenizerBpp(this.spec)
  }

  /** x [B, 3, S, S] in spec.inputRange → tokens [B, tokenCount] as numbers. */
  async encode(x: Float32Array, batch: number): Promise<Float64Array> {
    const S = this.spec.imageSize
    const input = this.spec.encoder.input ?? this.encoder.inputNames[0]
    const output = this.spec.encoder.output ?? this.encoder.outputNames[0]
    const res = await this.encoder.run({ [input]: new ort.Tensor('float32', x, [batch, 3, S, S]) }, [output])
    return readTokens(res[output], this.spec, batch)
  }

  /** tokens [B, tokenCount] → images [B, 3, S, S] in spec.outputRange. */
  async decode(tokens: Float64Array, batch: number): Promise<Float32Array> {
    const S = this.spec.imageSize
    const input = this.spec.decoder.input ?? this.decoder.inputNames[0]
    const output = this.spec.decoder.output ?? this.decoder.outputNames[0]
    const res = await this.decoder.run({ [input]: tokenTensor(tokens, this.spec.tokenDtype, [batch, ...this.spec.tokenShape]) }, [output])
    const img = res[output]
    if (img.type !== 'float32' || img.size !== batch * 3 * S * S) {
      throw new Error(`${this.spec.name}: decoder output is ${img.type} [${img.dims}], expected float32 [${batch}, 3, ${S}, ${S}]`)
    }
    return img.data as Float32Array
  }

  /** RGB images of the tokenizer's size → encode → decode → RGB, maxBatch images per run. */
  async reconstruct(images: readonly RgbImage[], signal?: AbortSignal): Promise<{ image: RgbImage; tokens: Float64Array }[]> {
    const S = this.spec.imageSize
    const size = commonSquareSize(images)
    if (images.length > 0 && size !== S) throw new Error(`${this.spec.name} takes ${S}×${S} images, got ${size}×${size}`)
    const out: { image: RgbImage; tokens: Float64Array }[] = []
    for (let first = 0; first < images.length; first += this.spec.maxBatch) {
      signal?.throwIfAborted()
      const chunk = images.slice(first, first + this.spec.maxBatch)
      const x = new Float32Array(chunk.length * 3 * S * S)
      chunk.forEach((img, i) => x.set(rgbToChw(img, this.spec.inputRange), i * 3 * S * S))
      const tokens = await this.encode(x, chunk.length)
      const y = await this.decode(tokens, chunk.length)
      for (let i = 0; i < chunk.length; i++) {
        out.push({
          image: chwToRgb(y.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S, this.spec.outputRange),
          tokens: tokens.subarray(i * this.spec.tokenCount, (i + 1) * this.spec.tokenCount),
        })
      }
    }
    return out
  }

  async release(): Promise<void> {
    await this.encoder.release()
    await this.decoder.release()
  }
}

/** An opened tokenizer as a compared method, id `onnx-<name>`. */
export function onnxTokenizerMethod(tok: OnnxTokenizer): Method {
  const { spec } = tok
  const id = `onnx-${spec.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`.slice(0, 64)
  return {
    id,
    label: `${spec.name} (ONNX, ${spec.tokenCount} tokens × ${+spec.bitsPerToken.toFixed(3)} bits)`,
    settings: { tokenizer: tok.dir, tokenCount: spec.tokenCount, bitsPerToken: spec.bitsPerToken, imageSize: spec.imageSize },
    bpp(imageSizePx) {
      if (imageSizePx !== spec.imageSize) throw new Error(`${spec.name} takes ${spec.imageSize}×${spec.imageSize} images, not ${imageSizePx}×${imageSizePx}`)
      return tok.bitsPerPixel
    },
    async reconstruct(images, context = {}) {
      const res = await tok.reconstruct(images, context.signal)
      return res.map((r): Reconstruction => ({ image: r.image, bpp: tok.bitsPerPixel, settings: {} }))
    },
    dispose: () => tok.release(),
  }
}
