// Human eval, export half: the form of a rating export (images × methods → a folder with the manifest and a blind
// rater/ folder holding the offline 2AFC page, engine: src/trainer/rating/export.ts via `exportRatings`) and its last
// result. Defaults follow the inspector.
import type { ExportRatingsRequest, MethodChoice } from '../../../../shared/payloads/jobs'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export const exportJobLabel = 'rating-export'

/** The parts of ExportReport (src/trainer/rating/export.ts) the view shows; PSNR is null for "inf" over the wire. */
export interface ExportReportView {
  readonly out: string
  readonly written: number // files made in this run
  readonly reused: number // files kept from an interrupted run
  readonly manifest: {
    readonly title: string
    readonly imageSizePx: number
    readonly methods: readonly { readonly id: string; readonly label: string; readonly bpp: number }[]
    readonly images: readonly { readonly id: string }[]
    readonly entries: readonly { readonly image: string; readonly method: string; readonly bpp: number; readonly psnr: number | null; readonly ssim: number }[]
  }
}

export type CodecName = 'jpeg' | 'webp' | 'avif'
export const codecNames: readonly CodecName[] = ['jpeg', 'webp', 'avif']

/** A job's failure as one sentence; the engine's own errors (code 'internal') already say what to do. */
export function jobError(e: unknown): string {
  return (e as { code?: string })?.code === 'internal' ? String((e as { message?: string }).message ?? e) : describeError(e)
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean)
const joinPath = (parent: string, name: string): string => `${parent.trim().replace(/[/\\]+$/, '')}/${name.trim()}`
const positive = (v: number | null | undefined): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined)
const stamp = (): string => new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')

export class RatingExportState {
  // fields left untouched follow the inspector's open images and model
  private imagesEdited = $state<string | null>(null)
  private checkpointEdited = $state<string | null>(null)
  private configEdited = $state<string | null>(null)
  flowmo = $state(true)
  codecs = $state<Record<CodecName, boolean>>({ jpeg: true, webp: true, avif: false })
  onnx = $state<string[]>([]) // exported tokenizer folders
  checkpoints = $state<string[]>([]) // more FlowMo checkpoints, each a method labelled by its file name
  parent = $state('') // an existing folder
  name = $state(`rating-${stamp()}`) // the new export folder inside it
  title = $state('')
  inspectorSampling = $state(false) // false: each model's own sampler settings
  seed = $state(0)
  targetBpp = $state<number | null | undefined>(undefined) // codec target; empty: the model's (or tokenizer's) BPP
  sizePx = $state<number | null | undefined>(undefined) // without FlowMo; empty: the tokenizer's, or for codecs alone Inspect's model's
  error = $state('')
  report = $state.raw<ExportReportView | null>(null)
  lastOut = $state('') // the folder of the last finished export (the import side starts from it)

  // the inspector's paths are plain fields, replaced together with its reactive `images` and `model`: read those too
  get images(): string {
    return this.imagesEdited ?? (inspector.images, inspector.imagePaths.join('\n'))
  }
  set images(text: string) {
    this.imagesEdited = text
  }
  get checkpoint(): string {
    return this.checkpointEdited ?? (inspector.model, inspector.modelSource?.path ?? '')
  }
  set checkpoint(path: string) {
    this.checkpointEdited = path
  }
  get config(): string {
    return this.configEdited ?? (inspector.model, inspector.modelSource?.config ?? '')
  }
  set config(path: string) {
    this.configEdited = path
  }

  get methods(): MethodChoice[] {
    const flowmo = [...(this.flowmo ? (['flowmo'] as const) : []), ...this.checkpoints.map((path) => ({ flowmo: path }))]
    return [...flowmo, ...codecNames.filter((c) => this.codecs[c]), ...this.onnx.map((onnx) => ({ onnx }))]
  }

  get out(): string {
    return this.parent.trim() && this.name.trim() ? joinPath(this.parent, this.name) : ''
  }

  /** Only codecs: nothing fixes the image size or the codec target, so the form (or Inspect's open model) must. */
  get codecsOnly(): boolean {
    return !this.flowmo && this.checkpoints.length === 0 && this.onnx.length === 0
  }

  /** The image size sent without FlowMo: the one entered, else for codecs alone Inspect's model's; FlowMo fixes its own. */
  get imageSizePx(): number | undefined {
    if (this.flowmo || this.checkpoints.length > 0) return undefined
    return positive(this.sizePx) ?? (this.codecsOnly ? inspector.model?.imageSize : undefined)
  }

  /** The codec target sent: the one entered, else for codecs alone Inspect's model's BPP; else the engine picks. */
  get codecBpp(): number | undefined {
    return positive(this.targetBpp) ?? (this.codecsOnly ? (inspector.model?.bitsPerPixel ?? undefined) : undefined)
  }

  /** Why the export cannot start yet, in one sentence; null when it can. */
  get problem(): string | null {
    const n = this.methods.length
    if (lines(this.images).length === 0) return 'Choose at least one image.'
    if (n < 2) return `Choose at least two methods to compare (${n} chosen).`
    if (this.flowmo && !this.checkpoint.trim()) return 'FlowMo needs a checkpoint.'
    if (this.codecsOnly && this.imageSizePx === undefined) return 'Codecs alone do not fix the image size: enter one (px), or add FlowMo or an ONNX tokenizer.'
    if (this.codecsOnly && this.codecBpp === undefined) return 'Codecs alone need a target BPP: enter one, or add FlowMo or an ONNX tokenizer.'
    if (!this.out) return 'Choose an output folder and a name for the new export folder.'
    return null
  }

  get running(): boolean {
    return jobs.isRunning(exportJobLabel)
  }

  /** The request as the engine takes it; the checkpoint goes along only for FlowMo, the size only without it. */
  request(): ExportRatingsRequest {
    const model = this.flowmo ? { checkpoint: this.checkpoint.trim(), ...(this.config.trim() ? { config: this.config.trim() } : {}) } : undefined
    const [size, bpp] = [this.imageSizePx, this.codecBpp]
    return {
      methods: $state.snapshot(this.methods), images: lines(this.images), out: this.out, seed: this.seed,
      ...(model ? { model } : {}),
      ...(this.title.trim() ? { title: this.title.trim() } : {}),
      ...(this.inspectorSampling ? { sampling: $state.snapshot(inspector.sampling) } : {}),
      ...(bpp !== undefined ? { targetBpp: bpp } : {}),
      ...(size !== undefined ? { imageSizePx: size } : {}),
    }
  }

  async start(): Promise<void> {
    if (this.problem || this.running) return
    this.error = ''
    this.report = null
    try {
      this.report = await jobs.run<ExportReportView>(exportJobLabel, () => engine.exportRatings(this.request()))
      this.lastOut = this.report.out
    } catch (e) {
      this.error = jobError(e)
    }
  }

  addOnnx(dir: string): void {
    if (dir.trim() && !this.onnx.includes(dir.trim())) this.onnx.push(dir.trim())
  }

  removeOnnx(dir: string): void {
    this.onnx = this.onnx.filter((d) => d !== dir)
  }

  addCheckpoint(path: string): void {
    if (path.trim() && !this.checkpoints.includes(path.trim())) this.checkpoints.push(path.trim())
  }

  removeCheckpoint(path: string): void {
    this.checkpoints = this.checkpoints.filter((p) => p !== path)
  }
}

export const ratingExport = new RatingExportState()
