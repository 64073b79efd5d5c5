// A comparison from resolved inputs to its report: open the methods (and the model, when given) and the metric
// networks, load the images at the methods' size, compareMethods, release everything. The app's compare job
// (jobs/baseline-jobs.ts) and `flowmo compare` both run this; they differ only in how paths and the model are opened.
import type { CompareMetric, CompareReport } from '../../shared/payloads/jobs'
import { centerCrop, decodeImage, resizeShorterSide, type RgbImage } from '../data/images'
import type { InferenceModel } from '../inference/inference-model'
import { compareMethods, type MethodComparison } from './compare'
import { compareNetworkFiles, disposeCompareNetworks, openCompareNetworks, setSizeNotes } from './compare-metrics'
import type { FlowMoMethodOptions } from './flowmo-method'
import { openMethods, type MethodSpec, type OpenedMethods } from './method-list'

/** The methods to open; `openModel` is given with a checkpoint (flowmo needs one; it also fixes the size and rate). */
export interface MethodsSource {
  readonly specs: readonly MethodSpec[]
  readonly openModel?: () => Promise<InferenceModel> // onnxruntime where it runs (any size), else tfjs
  readonly openCheckpoint?: (path: string) => Promise<InferenceModel> // a flowmo:<checkpoint> method's model (config implied by the file)
  readonly flowmo?: FlowMoMethodOptions // sampler overrides, seed, batch
  readonly targetBpp?: number // codec target; default the model's (or first tokenizer's) BPP
  readonly imageSizePx?: number // crop size; default the model's (or first tokenizer's)
}

export interface CompareWork extends MethodsSource {
  /** The image files, asked for once the methods fix the crop size (a folder scan skips images smaller than it). */
  readonly images: (imageSizePx: number) => Promise<readonly string[]>
  readonly metrics?: readonly CompareMetric[] // beyond PSNR/SSIM; default none
  readonly weightsDir?: string
  readonly signal?: AbortSignal
  readonly onStart?: (opened: OpenedMethods, images: readonly string[]) => void // methods open, images listed
  readonly onProgress?: (done: number, total: number, method: string) => void // after each method
  readonly onImages?: (done: number, total: number, method: string) => void // within a method, after each chunk of images
}

/** CompareReport with the engine's own type for each method. */
export type CompareResult = Omit<CompareReport, 'methods'> & { readonly methods: readonly MethodComparison[] }

/** Opens the methods, runs `work`, then releases every method and the model. */
export async function withMethods<T>(src: MethodsSource, work: (opened: OpenedMethods) => Promise<T>): Promise<T> {
  const model = src.openModel ? await src.openModel() : undefined
  const options = { model, openCheckpoint: src.openCheckpoint, targetBpp: src.targetBpp, imageSizePx: src.imageSizePx, flowmo: src.flowmo }
  const opened = await openMethods(src.specs, options).catch(async (e: unknown) => {
    await model?.dispose()
    throw e
  })
  try {
    return await work(opened)
  } finally {
    await Promise.all(opened.methods.map((m) => m.dispose()))
    if (model && !src.specs.some((s) => s.kind === 'flowmo' && s.checkpoint === undefined)) await model.dispose() // flowmo's method disposes it
  }
}

/** The reference's preprocessing: shorter side resized to the size, then a centre crop. */
export async function loadSquare(path: string, sizePx: number): Promise<RgbImage> {
  return centerCrop(resizeShorterSide(await decodeImage(path), sizePx), sizePx)
}

/** Every method on the images, scored by PSNR/SSIM and the asked-for LPIPS, rFID/KID or proxies (missing weights: `unavailable`). */
export function runCompare(work: CompareWork): Promise<CompareResult> {
  return withMethods(work, async (opened) => {
    const paths = await work.images(opened.imageSizePx)
    if (paths.length === 0) throw new Error('no images to compare')
    work.onStart?.(opened, paths)
    const images = await Promise.all(paths.map((p) => loadSquare(p, opened.imageSizePx)))
    const networks = await openCompareNetworks(work.metrics ?? [], work.weightsDir)
    try {
      const methods = await compareMethods(images, opened.methods, { signal: work.signal, networks, onProgress: work.onProgress, onImages: work.onImages })
      const notes = setSizeNotes(networks, images.length)
      return {
        imageSizePx: opened.imageSizePx, targetBpp: opened.targetBpp, originals: images.map((i) => ({ pixels: i.rgb, h: i.h, w: i.w })), methods,
        unavailable: { ...networks.unavailable, ...notes.unavailable }, warnings: notes.warnings, networks: compareNetworkFiles(networks),
      }
    } finally {
      disposeCompareNetworks(networks)
    }
  })
}
