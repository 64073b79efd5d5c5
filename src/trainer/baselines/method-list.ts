// A list of methods as the CLI and the app name them ("flowmo,jpeg,webp,avif,onnx:<dir>") and opening it: the
// codecs' target rate and the image size come from FlowMo or the first ONNX tokenizer unless given.
import type { InferenceModel } from '../inference/inference-model'
import { codecMethod, isCodecName, type CodecName } from './codecs'
import { flowmoMethod, type FlowMoMethodOptions } from './flowmo-method'
import type { Method } from './method'
import { OnnxTokenizer, onnxTokenizerMethod } from './onnx-tokenizer'

export type MethodSpec = { readonly kind: 'flowmo' } | { readonly kind: 'codec'; readonly codec: CodecName } | { readonly kind: 'onnx'; readonly dir: string }

export function parseMethodList(text: string): MethodSpec[] {
  const specs = text.split(',').map((s) => s.trim()).filter(Boolean).map((s): MethodSpec => {
    if (s === 'flowmo') return { kind: 'flowmo' }
    if (isCodecName(s)) return { kind: 'codec', codec: s }
    if (s.startsWith('onnx:') && s.length > 5) return { kind: 'onnx', dir: s.slice(5) }
    throw new Error(`unknown method '${s}' (methods: flowmo, jpeg, webp, avif, onnx:<tokenizer folder>)`)
  })
  const keys = specs.map((s) => (s.kind === 'codec' ? s.codec : s.kind === 'onnx' ? `onnx:${s.dir}` : s.kind))
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i)
  if (repeated) throw new Error(`method '${repeated}' is listed twice`)
  return specs
}

export interface OpenMethodsOptions {
  readonly model?: InferenceModel // required when the list has flowmo; also sets the target rate and size
  readonly flowmo?: FlowMoMethodOptions
  readonly targetBpp?: number // codec target; default FlowMo's BPP, else the first ONNX tokenizer's
  readonly imageSizePx?: number // default FlowMo's or the first tokenizer's size
}

export interface OpenedMethods {
  readonly methods: Method[]
  readonly imageSizePx: number
  readonly targetBpp: number | null // null when no codec is listed and nothing set it
}

/** Opens every listed method; on failure the ones already opened are disposed. */
export async function openMethods(specs: readonly MethodSpec[], options: OpenMethodsOptions): Promise<OpenedMethods> {
  const tokenizers: OnnxTokenizer[] = []
  try {
    for (const s of specs) if (s.kind === 'onnx') tokenizers.push(await OnnxTokenizer.open(s.dir))
  } catch (e) {
    await Promise.all(tokenizers.map((t) => t.release()))
    throw e
  }
  const sizes = [options.model?.config.imageSize, ...tokenizers.map((t) => t.spec.imageSize)].filter((s): s is number => s !== undefined)
  const imageSizePx = options.imageSizePx ?? sizes[0]
  const targetBpp = options.targetBpp ?? options.model?.info.bitsPerPixel ?? tokenizers[0]?.bitsPerPixel ?? null
  const problem = openProblem(specs, options, imageSizePx, sizes, targetBpp)
  if (problem) {
    await Promise.all(tokenizers.map((t) => t.release()))
    throw new Error(problem)
  }
  const methods = specs.map((s): Method => {
    if (s.kind === 'flowmo') return flowmoMethod(options.model!, options.flowmo)
    if (s.kind === 'codec') return codecMethod(s.codec, () => targetBpp!)
    return onnxTokenizerMethod(tokenizers.shift()!)
  })
  return { methods, imageSizePx: imageSizePx!, targetBpp }
}

function openProblem(specs: readonly MethodSpec[], o: OpenMethodsOptions, size: number | undefined, sizes: number[], bpp: number | null): string | null {
  if (specs.some((s) => s.kind === 'flowmo') && !o.model) return 'the method flowmo needs a checkpoint'
  if (size === undefined) return 'no method fixes the image size: give one (e.g. --size 256)'
  const other = sizes.find((s) => s !== size)
  if (other !== undefined) return `the methods take different image sizes (${size} and ${other}); compare methods of one size`
  if (specs.some((s) => s.kind === 'codec') && bpp === null) return 'codecs need a target bit rate: give one (e.g. --bpp 0.0703), a checkpoint or an ONNX tokenizer'
  return null
}
