// Human eval, export half: the form of a rating export (images × methods → a folder with an offline 2AFC page,
// engine: src/trainer/rating/export.ts via `exportRatings`) and its last result. Defaults follow the inspector.
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
const stamp = (): string => new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')

export class RatingExportState {
  // fields left untouched follow the inspector's open images and model
  private imagesEdited = $state<string | null>(null)
  private checkpointEdited = $state<string | null>(null)
  private configEdited = $state<string | null>(null)
  flowmo = $state(true)
  codecs = $state<Record<CodecName, boolean>>({ jpeg: true, webp: true, avif: false })
  onnx = $state<string[]>([]) // exported tokenizer folders
  parent = $state('') // an existing folder
  name = $state(`rating-${stamp()}`) // the new export folder inside it
  title = $state('')
  inspectorSampling = $state(false) // false: each model's own sampler settings
  seed = $state(0)
  targetBpp = $state<number | null | undefined>(undefined) // codec target; empty: the model's (or tokenizer's) BPP
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
    return [...(this.flowmo ? (['flowmo'] as const) : []), ...codecNames.filter((c) => this.codecs[c]), ...this.onnx.map((onnx) => ({ onnx }))]
  }

  get out(): string {
    return this.parent.trim() && this.name.trim() ? joinPath(this.parent, this.name) : ''
  }

  /** Why the export cannot start yet, in one sentence; null when it can. */
  get problem(): string | null {
    const n = this.methods.length
    if (lines(this.images).length === 0) return 'Choose at least one image.'
    if (n < 2) return `Choose at least two methods to compare (${n} chosen).`
    if (this.flowmo && !this.checkpoint.trim()) return 'FlowMo needs a checkpoint.'
    const codecsOnly = !this.flowmo && this.onnx.length === 0
    if (codecsOnly && !this.checkpoint.trim()) return 'Codecs alone do not fix the image size: give a checkpoint (its size and BPP are used) or add an ONNX tokenizer.'
    if (!this.out) return 'Choose an output folder and a name for the new export folder.'
    return null
  }

  get running(): boolean {
    return jobs.isRunning(exportJobLabel)
  }

  /** The request as the engine takes it; the checkpoint goes along when FlowMo needs it or fixes a codec-only size. */
  request(): ExportRatingsRequest {
    const useModel = this.flowmo || this.onnx.length === 0
    const model = useModel && this.checkpoint.trim() ? { checkpoint: this.checkpoint.trim(), ...(this.config.trim() ? { config: this.config.trim() } : {}) } : undefined
    const bpp = this.targetBpp
    return {
      methods: $state.snapshot(this.methods), images: lines(this.images), out: this.out, seed: this.seed,
      ...(model ? { model } : {}),
      ...(this.title.trim() ? { title: this.title.trim() } : {}),
      ...(this.inspectorSampling ? { sampling: $state.snapshot(inspector.sampling) } : {}),
      ...(typeof bpp === 'number' && bpp > 0 ? { targetBpp: bpp } : {}),
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
}

export const ratingExport = new RatingExportState()
