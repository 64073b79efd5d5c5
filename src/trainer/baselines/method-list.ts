// A list of methods as the CLI and the app name them ("flowmo,flowmo:<label>=<checkpoint>,jpeg,webp,avif,onnx:<dir>")
// and opening it: the codecs' target rate and the image size come from FlowMo (the --checkpoint model, else the first
// listed checkpoint) or the first ONNX tokenizer unless given.
import { basename } from 'node:path'
import type { InferenceModel } from '../inference/inference-model'
import { codecMethod, isCodecName, type CodecName } from './codecs'
import { flowmoMethod, type FlowMoMethodOptions } from './flowmo-method'
import type { Method } from './method'
import { OnnxTokenizer, onnxTokenizerMethod } from './onnx-tokenizer'

/** FlowMo without a checkpoint is the request's model (--checkpoint); with one, that file under its label. */
export type FlowMoSpec = { readonly kind: 'flowmo'; readonly checkpoint?: string; readonly label?: string }
export type MethodSpec = FlowMoSpec | { readonly kind: 'codec'; readonly codec: CodecName } | { readonly kind: 'onnx'; readonly dir: string }

/** A checkpoint's default label: its file name without .safetensors / .pth. */
export function checkpointLabel(path: string): string {
  return basename(path).replace(/\.(safetensors|pth|pt)$/i, '')
}

/** 'flowmo:<label>=<path>' or 'flowmo:<path>' (the label is the file name); a label is letters, digits, '.', '_', '-'. */
export function flowmoSpec(text: string): FlowMoSpec {
  const eq = text.indexOf('=')
  const label = eq > 0 && /^[\w.-]+$/.test(text.slice(0, eq)) ? text.slice(0, eq) : undefined
  const checkpoint = label === undefined ? text : text.slice(eq + 1)
  if (!checkpoint) throw new Error(`method 'flowmo:${text}' names no checkpoint (flowmo:<label>=<checkpoint> or flowmo:<checkpoint>)`)
  return { kind: 'flowmo', checkpoint, label: label ?? checkpointLabel(checkpoint) }
}

/** The id a spec's method gets: 'flowmo', 'flowmo-<label>' (lower case, file-name safe), the codec, 'onnx:<dir>'. */
export function methodKey(s: MethodSpec): string {
  if (s.kind === 'codec') return s.codec
  if (s.kind === 'onnx') return `onnx:${s.dir}`
  if (s.label === undefined) return 'flowmo'
  return `flowmo-${s.label.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').slice(0, 57)}`
}

export function parseMethodList(text: string): MethodSpec[] {
  const specs = text.split(',').map((s) => s.trim()).filter(Boolean).map((s): MethodSpec => {
    if (s === 'flowmo') return { kind: 'flowmo' }
    if (s.startsWith('flowmo:')) return flowmoSpec(s.slice(7))
    if (isCodecName(s)) return { kind: 'codec', codec: s }
    if (s.startsWith('onnx:') && s.length > 5) return { kind: 'onnx', dir: s.slice(5) }
    throw new Error(`unknown method '${s}' (methods: flowmo, flowmo:[<label>=]<checkpoint>, jpeg, webp, avif, onnx:<tokenizer folder>)`)
  })
  checkRepeats(specs)
  return specs
}

/** Two methods of one id (a method listed twice, or two checkpoints of one label) are refused. */
export function checkRepeats(specs: readonly MethodSpec[]): void {
  const keys = specs.map(methodKey)
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i)
  if (repeated === undefined) return
  const hint = repeated.startsWith('flowmo-') ? ': give each checkpoint its own label (flowmo:<label>=<checkpoint>)' : ''
  throw new Error(`method '${repeated}' is listed twice${hint}`)
}

export interface OpenMethodsOptions {
  readonly model?: InferenceModel // required when the list has flowmo; also sets the target rate and size
  readonly openCheckpoint?: (path: string) => Promise<InferenceModel> // required when the list has flowmo:<checkpoint>
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
  const models: InferenceModel[] = [] // one per flowmo:<checkpoint>, in list order
  const release = () => Promise.all([...tokenizers.map((t) => t.release()), ...models.map((m) => m.dispose())])
  try {
    const early = openProblem(specs, options)
    if (early) throw new Error(early)
    for (const s of specs) if (s.kind === 'onnx') tokenizers.push(await OnnxTokenizer.open(s.dir))
    for (const s of specs) if (s.kind === 'flowmo' && s.checkpoint !== undefined) models.push(await options.openCheckpoint!(s.checkpoint))
  } catch (e) {
    await release()
    throw e
  }
  const flowmoModels = [options.model, ...models].filter((m): m is InferenceModel => m !== undefined)
  const sizes = [...flowmoModels.map((m) => m.config.imageSize), ...tokenizers.map((t) => t.spec.imageSize)]
  const imageSizePx = options.imageSizePx ?? sizes[0]
  const targetBpp = options.targetBpp ?? flowmoModels[0]?.info.bitsPerPixel ?? tokenizers[0]?.bitsPerPixel ?? null
  const problem = sizeProblem(specs, imageSizePx, sizes, targetBpp)
  if (problem) {
    await release()
    throw new Error(problem)
  }
  const methods = specs.map((s): Method => {
    if (s.kind === 'flowmo' && s.checkpoint === undefined) return flowmoMethod(options.model!, options.flowmo)
    if (s.kind === 'flowmo') return flowmoMethod(models.shift()!, { ...options.flowmo, id: methodKey(s), label: s.label })
    if (s.kind === 'codec') return codecMethod(s.codec, () => targetBpp!)
    return onnxTokenizerMethod(tokenizers.shift()!)
  })
  return { methods, imageSizePx: imageSizePx!, targetBpp }
}

/** What keeps the methods from opening at all. */
function openProblem(specs: readonly MethodSpec[], o: OpenMethodsOptions): string | null {
  if (specs.some((s) => s.kind === 'flowmo' && s.checkpoint === undefined) && !o.model) return 'the method flowmo needs a checkpoint'
  if (specs.some((s) => s.kind === 'flowmo' && s.checkpoint !== undefined) && !o.openCheckpoint) return 'flowmo:<checkpoint> methods cannot be opened here'
  return null
}

function sizeProblem(specs: readonly MethodSpec[], size: number | undefined, sizes: number[], bpp: number | null): string | null {
  if (size === undefined) return 'no method fixes the image size: give one (e.g. --size 256)'
  const other = sizes.find((s) => s !== size)
  if (other !== undefined) return `the methods take different image sizes (${size} and ${other}); compare methods of one size`
  if (specs.some((s) => s.kind === 'codec') && bpp === null) return 'codecs need a target bit rate: give one (e.g. --bpp 0.0703), a checkpoint or an ONNX tokenizer'
  return null
}
