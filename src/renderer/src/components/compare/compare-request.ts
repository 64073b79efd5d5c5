// The compare form (issue 7) as the view edits it, and the CompareRequest it makes: one sentence per problem that
// keeps it from running. Blank numbers take the model's value (target BPP, image size, sampler).
import type { CompareMetric, CompareRequest, MethodChoice, ModelSummary, SamplingRequest } from '../../../../shared/protocol'

export const builtInMethods = ['flowmo', 'jpeg', 'webp', 'avif'] as const
export type BuiltInMethod = (typeof builtInMethods)[number]
export const methodNames: Record<BuiltInMethod, string> = { flowmo: 'FlowMo', jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF' }

/** The metrics beyond PSNR/SSIM a comparison can add; the proxies run offline and are never called rFID. */
export const compareMetrics: readonly CompareMetric[] = ['lpips', 'fid', 'kid', 'fid-proxy', 'kid-proxy']
export const metricChoiceNames: Record<CompareMetric, string> = { lpips: 'LPIPS', fid: 'rFID', kid: 'KID', 'fid-proxy': 'proxy FID', 'kid-proxy': 'proxy KID' }

export interface CompareForm {
  modelPath: string // checkpoint; FlowMo's, and the default target BPP and size
  configPath: string
  methods: Record<BuiltInMethod, boolean>
  checkpoints: { label: string; path: string }[] // more FlowMo checkpoints, each a method ('' label: the file name)
  onnxFolders: string[] // external tokenizers (docs/baselines.md, the ONNX contract)
  images: string // one path per line
  targetBpp: string // '' = the model's (or first tokenizer's)
  sizePx: string // '' = the model's (or first tokenizer's)
  steps: string // '' = the model's
  rho: string
  cfg: string
  seed: number
  metrics: Record<CompareMetric, boolean> // beyond PSNR/SSIM
  weightsDir: string // '' = the engine's default weights folders
}

export function emptyForm(): CompareForm {
  return {
    modelPath: '', configPath: '', methods: { flowmo: true, jpeg: true, webp: true, avif: false }, checkpoints: [], onnxFolders: [],
    images: '', targetBpp: '', sizePx: '', steps: '', rho: '', cfg: '', seed: 0,
    metrics: { lpips: false, fid: false, kid: false, 'fid-proxy': false, 'kid-proxy': false }, weightsDir: '',
  }
}

/** A typed number, or undefined when blank; throws naming the field when it is not one. */
function typed(text: string, field: string, valid: (v: number) => boolean, expected: string): number | undefined {
  if (text.trim() === '') return undefined
  const v = Number(text)
  if (!Number.isFinite(v) || !valid(v)) throw new Error(`${field} must be ${expected}, got '${text.trim()}'`)
  return v
}

function samplingOf(form: CompareForm, model: ModelSummary | null): SamplingRequest | undefined {
  const steps = typed(form.steps, 'steps', (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1')
  const rho = typed(form.rho, 'ρ', (v) => v > 0, 'positive')
  const cfg = typed(form.cfg, 'CFG', (v) => v >= 0, '≥ 0')
  if (steps === undefined && rho === undefined && cfg === undefined) return undefined
  if (!model) throw new Error('the sampler fields need the model’s defaults: wait until the model is read, or clear them')
  const own = model.sampling
  return { steps: steps ?? own.steps, rho: rho ?? own.rho, cfg: cfg ?? own.cfg, interval: own.interval ? [...own.interval] : null }
}

/**
 * The request for the form; `model` is the summary of the form's checkpoint when known (its BPP and size stand in
 * for blank fields when FlowMo itself is not compared). Throws one clear sentence when something is missing.
 */
export function compareRequest(form: CompareForm, model: ModelSummary | null): CompareRequest {
  const onnx = form.onnxFolders.map((f) => f.trim()).filter(Boolean)
  const checkpoints = form.checkpoints.filter((c) => c.path.trim()).map((c) => ({ flowmo: c.path.trim(), ...(c.label.trim() ? { label: c.label.trim() } : {}) }))
  const ticked = builtInMethods.filter((m) => form.methods[m])
  const methods: MethodChoice[] = [...ticked.filter((m) => m === 'flowmo'), ...checkpoints, ...ticked.filter((m) => m !== 'flowmo'), ...onnx.map((f) => ({ onnx: f }))]
  if (methods.length === 0) throw new Error('choose at least one method to compare')
  const images = form.images.split('\n').map((p) => p.trim()).filter(Boolean)
  if (images.length === 0) throw new Error('add at least one image')
  const flowmo = form.methods.flowmo
  if (flowmo && !form.modelPath.trim()) throw new Error('FlowMo needs a model: give its checkpoint')
  const codecs = methods.some((m) => m === 'jpeg' || m === 'webp' || m === 'avif')
  const setByMethods = flowmo || checkpoints.length > 0 || onnx.length > 0 // the engine takes the rate and size from these
  const targetBpp = typed(form.targetBpp, 'target BPP', (v) => v > 0, 'a positive number') ?? (setByMethods ? undefined : (model?.bitsPerPixel ?? undefined))
  if (codecs && targetBpp === undefined && !setByMethods) throw new Error('codecs alone need a target BPP: type one, or give a model or an ONNX tokenizer')
  const imageSizePx = typed(form.sizePx, 'image size', (v) => Number.isInteger(v) && v >= 8 && v <= 4096, 'a whole number of pixels, 8–4096') ?? (setByMethods ? undefined : model?.imageSize)
  if (imageSizePx === undefined && !setByMethods) throw new Error('codecs alone need an image size: type one, or give a model')
  if (!Number.isInteger(form.seed) || form.seed < 0) throw new Error(`seed must be a whole number ≥ 0, got ${form.seed}`)
  const sampling = flowmo || checkpoints.length > 0 ? samplingOf(form, model) : undefined
  const checkpoint = { checkpoint: form.modelPath.trim(), ...(form.configPath.trim() ? { config: form.configPath.trim() } : {}) }
  const metrics = compareMetrics.filter((m) => form.metrics[m])
  return {
    methods, images, seed: form.seed,
    ...(flowmo ? { model: checkpoint } : {}),
    ...(sampling ? { sampling } : {}),
    ...(targetBpp !== undefined ? { targetBpp } : {}),
    ...(imageSizePx !== undefined ? { imageSizePx } : {}),
    ...(metrics.length > 0 ? { metrics } : {}),
    ...(metrics.length > 0 && form.weightsDir.trim() ? { weightsDir: form.weightsDir.trim() } : {}),
  }
}
