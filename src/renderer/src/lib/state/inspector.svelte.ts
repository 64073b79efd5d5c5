// The inspector's document: the open model, the open images, the selected image and the sampler knobs shared by
// every view. Opens the bundled model and sample photos at startup when the app ships them, and opens everything
// again on a restarted engine (ids are per engine process) and on a reload (paths in remembered.ts, uploads' bytes in
// kept-uploads.ts). Opening a model is a job: a checkpoint's first open
// exports it to ONNX, step by step, and can be cancelled (OpenProgress.svelte).
import type { DecodeRequest, ImageRef, ModelInputReport, ModelSummary, OpenModelRequest, SamplingRequest, UploadedFile } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { upload } from '../upload'
import { jobs } from './jobs.svelte'
import { keepUploads, keptUploads } from './kept-uploads'
import { remember, remembered } from './remembered'

/** The label of the open-model job in `jobs`: its progress and Cancel show in the Open panel. */
export const OPEN_MODEL_JOB = 'open-model'

/** What a reload opens again (remembered.ts): each image as its path or its place among the kept uploads (kept-uploads.ts). */
interface Kept {
  readonly source: OpenModelRequest | null
  readonly imageSources: readonly (string | number)[]
  readonly selected: number // index into imageSources
}

/** The knobs as the controls edit them. */
export type SamplingKnobs = { -readonly [K in keyof SamplingRequest]: SamplingRequest[K] }

export class InspectorState {
  model = $state.raw<ModelSummary | null>(null)
  images = $state.raw<ImageRef[]>([])
  imageId = $state<string | null>(null)
  sampling = $state<SamplingKnobs>({ steps: 25, rho: 4, cfg: 1.5, interval: [0.17, 1.02] })
  seed = $state(0)
  busy = $state('')
  error = $state('') // opening the model failed: shown under the model form
  imageError = $state('') // opening images failed: shown under the images

  readonly image = $derived(this.images.find((i) => i.imageId === this.imageId) ?? null)
  /** The selected model and image: the views' reports are kept with it (ForSelection). */
  readonly selectionKey = $derived(`${this.model?.modelId ?? ''}/${this.imageId ?? ''}`)
  /** The selected image as the open model sees it, fetched on selection: shown before any decode. */
  input = $state.raw<{ key: string; report: ModelInputReport } | null>(null)
  readonly modelInput = $derived(this.input?.key === this.selectionKey ? this.input.report : null)
  private source = $state.raw<OpenModelRequest | null>(null) // reactive: other sections default to it
  private imageSources = $state.raw<(string | UploadedFile)[]>([]) // per entry of `images`: its path or its uploaded bytes
  private engineRestarted = false
  private opens = 0 // model opens started: a slower, older open never replaces a newer one
  private attempts = 0 // attempts running

  constructor() {
    engine.on('engine:status', (event) => {
      if (event.state === 'restarting') this.engineRestarted = true
      if (event.state === 'ready' && this.engineRestarted) void this.reopen()
    })
  }

  /** The request every decode view sends, or null until a model and an image are open. */
  get request(): DecodeRequest | null {
    if (!this.model || !this.imageId) return null
    const { steps, rho, cfg, interval } = this.sampling
    return { modelId: this.model.modelId, imageId: this.imageId, sampling: { steps, rho, cfg, interval: interval ? [...interval] : null }, seed: this.seed }
  }

  /** Where the open model came from (path and optional config): the other sections start from it. */
  get modelSource(): OpenModelRequest | null {
    return this.source
  }

  /** The open images that came from files (uploaded ones have no path). */
  get imagePaths(): string[] {
    return this.imageSources.filter((s): s is string => typeof s === 'string')
  }

  async openModel(path: string, config?: string): Promise<void> {
    await this.attempt(`opening ${path}`, () => this.loadModel(config ? { path, config } : { path }))
  }

  async openImages(paths: string[], files: UploadedFile[] = []): Promise<void> {
    await this.attempt('opening images', () => this.addImages(paths, files), 'images')
  }

  /** Opens a model and shows it, unless another open started meanwhile (then this one is closed again). */
  private async loadModel(source: OpenModelRequest): Promise<void> {
    const open = ++this.opens
    const opened = await openModelJob(source)
    const stale = open !== this.opens ? opened : this.model
    if (open === this.opens) {
      this.model = opened
      this.source = source
      this.sampling = { ...opened.sampling }
      this.keep()
      void this.loadInput()
    }
    if (stale) await engine.closeModel({ modelId: stale.modelId }).catch(() => null) // only frees memory
  }

  private async addImages(paths: string[], files: UploadedFile[]): Promise<void> {
    const uploads: string[] = []
    for (const file of files) uploads.push(await upload(engine, file)) // one at a time: the engine holds few unfinished
    const refs = await engine.openImages({ paths, uploads })
    this.images = [...this.images, ...refs]
    this.imageSources = [...this.imageSources, ...paths, ...files]
    this.imageId ??= refs[0]?.imageId ?? null
    if (files.length) await keepUploads(this.uploads)
    this.keep()
    void this.loadInput()
  }

  private get uploads(): UploadedFile[] {
    return this.imageSources.filter((s): s is UploadedFile => typeof s !== 'string')
  }

  /** Remembers the model, the images (paths; uploads by their place among the kept ones) and the selected one. */
  private keep(): void {
    let upload = 0
    const imageSources = this.imageSources.map((s) => (typeof s === 'string' ? s : upload++))
    remember('inspector', { source: this.source, imageSources, selected: this.images.findIndex((i) => i.imageId === this.imageId) } satisfies Kept)
  }

  /** Opens images one source at a time, in order, so each image keeps its place in the list. */
  private async openSources(sources: readonly (string | UploadedFile)[]): Promise<ImageRef[]> {
    const refs: ImageRef[] = []
    for (const source of sources) {
      refs.push(...(await engine.openImages(typeof source === 'string' ? { paths: [source] } : { uploads: [await upload(engine, source)] })))
    }
    return refs
  }

  /** Fetches the selected image at the model size (once per selection). */
  private async loadInput(): Promise<void> {
    const [key, modelId, imageId] = [this.selectionKey, this.model?.modelId, this.imageId]
    if (!modelId || !imageId || this.input?.key === key) return
    const report = await engine.modelInput({ modelId, imageId }).catch(() => null)
    if (report) this.input = { key, report }
  }

  /** After an engine restart: the same model and images again, the same image selected, the knobs untouched. */
  private async reopen(): Promise<void> {
    this.engineRestarted = false
    const selected = this.images.findIndex((i) => i.imageId === this.imageId)
    await this.attempt('opening the model and images again on the restarted engine', async () => {
      if (this.source) this.model = await openModelJob(this.source)
      const refs = await this.openSources(this.imageSources)
      this.images = refs
      this.imageId = refs[selected]?.imageId ?? refs[0]?.imageId ?? null
      void this.loadInput()
    })
  }

  /** Files dropped on or picked in the page: their bytes go to the engine in chunks (upload.ts), which decodes them. */
  async openDropped(list: FileList): Promise<void> {
    const files = await Promise.all([...list].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
    await this.openImages([], files)
  }

  /** At startup: what the page had open before a reload, else the bundled model and sample photos when the app ships
   * them. Busy from the first moment to the last (the engine may still be starting); a model the user opens meanwhile
   * is kept. */
  async openBundled(): Promise<void> {
    const kept = remembered<Kept | null>('inspector', null)
    await this.attempt('looking for the bundled model', async () => {
      const bundled = await engine.bundled().catch(() => null)
      const source = kept?.source ?? (bundled?.models.length ? { path: bundled.models[0] } : null)
      if (this.opens === 0 && source) {
        this.busy = `opening ${source.path}`
        await this.loadModel(source)
      }
      const uploads = kept?.imageSources.some((s) => typeof s === 'number') ? await keptUploads() : []
      const sources = kept?.imageSources.length ? kept.imageSources.map((s) => (typeof s === 'string' ? s : uploads[s])).filter((s) => s !== undefined) : [...(bundled?.images ?? [])]
      if (!this.images.length && sources.length) {
        this.busy = 'opening images'
        const refs = await this.openSources(sources)
        ;[this.images, this.imageSources] = [refs, sources]
        const selected = refs[kept?.selected ?? 0] ?? refs[0]
        if (selected) this.select(selected.imageId)
      }
    })
  }

  /** Sets one end of the guidance interval (σ), or turns the interval on ([.17, 1.02]) or off (null: guide everywhere). */
  setInterval(interval: [lo: number, hi: number] | null): void {
    this.sampling.interval = interval
  }

  select(imageId: string): void {
    this.imageId = imageId
    this.keep()
    void this.loadInput()
  }

  /** Runs `work` with `busy` set; busy stays set until every overlapping attempt has ended. */
  private async attempt(what: string, work: () => Promise<void>, about: 'model' | 'images' = 'model'): Promise<void> {
    this.attempts++
    this.busy = what
    const field = about === 'model' ? 'error' : 'imageError'
    this[field] = ''
    try {
      await work()
    } catch (error) {
      this[field] = (error as { code?: string }).code === 'cancelled' ? `${what}: cancelled` : describeError(error)
    } finally {
      if (--this.attempts === 0) this.busy = ''
    }
  }
}

/** Opens a model and resolves with its summary once the job is done. */
export function openModelJob(source: OpenModelRequest): Promise<ModelSummary> {
  return jobs.run<ModelSummary>(OPEN_MODEL_JOB, () => engine.openModel(source))
}

export const inspector = new InspectorState()
