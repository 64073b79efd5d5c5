// The inspector's document: the open model, the open images, the selected image and the sampler knobs shared by
// every view. Opens the bundled model and sample photos at startup when the app ships them, and opens everything
// again on a restarted engine (ids are per engine process). Opening a model is a job: a checkpoint's first open
// exports it to ONNX, step by step, and can be cancelled (OpenProgress.svelte).
import type { DecodeRequest, ImageRef, ModelSummary, OpenModelRequest, SamplingRequest, UploadedFile } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { jobs } from './jobs.svelte'

/** The label of the open-model job in `jobs`: its progress and Cancel show in the Open panel. */
export const OPEN_MODEL_JOB = 'open-model'

/** The knobs as the controls edit them. */
export type SamplingKnobs = { -readonly [K in keyof SamplingRequest]: SamplingRequest[K] }

export class InspectorState {
  model = $state.raw<ModelSummary | null>(null)
  images = $state.raw<ImageRef[]>([])
  imageId = $state<string | null>(null)
  sampling = $state<SamplingKnobs>({ steps: 25, rho: 4, cfg: 1.5, interval: [0.17, 1.02] })
  seed = $state(0)
  busy = $state('')
  error = $state('')

  readonly image = $derived(this.images.find((i) => i.imageId === this.imageId) ?? null)
  private source = $state.raw<OpenModelRequest | null>(null) // reactive: other sections default to it
  private imageSources = $state.raw<(string | UploadedFile)[]>([]) // per entry of `images`: its path or its uploaded bytes
  private engineRestarted = false

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
    await this.attempt(`opening ${path}`, async () => {
      const source = config ? { path, config } : { path }
      const previous = this.model
      this.model = await openModelJob(source)
      this.source = source
      this.sampling = { ...this.model.sampling }
      if (previous) await engine.closeModel({ modelId: previous.modelId }).catch(() => null) // only frees memory
    })
  }

  async openImages(paths: string[], files: UploadedFile[] = []): Promise<void> {
    await this.attempt('opening images', async () => {
      const refs = await engine.openImages({ paths, files })
      this.images = [...this.images, ...refs]
      this.imageSources = [...this.imageSources, ...paths, ...files]
      this.imageId ??= refs[0]?.imageId ?? null
    })
  }

  /** After an engine restart: the same model and images again, the same image selected, the knobs untouched. */
  private async reopen(): Promise<void> {
    this.engineRestarted = false
    const selected = this.images.findIndex((i) => i.imageId === this.imageId)
    await this.attempt('opening the model and images again on the restarted engine', async () => {
      if (this.source) this.model = await openModelJob(this.source)
      const refs: ImageRef[] = []
      for (const source of this.imageSources) {
        refs.push(...(await engine.openImages(typeof source === 'string' ? { paths: [source] } : { files: [source] })))
      }
      this.images = refs
      this.imageId = refs[selected]?.imageId ?? refs[0]?.imageId ?? null
    })
  }

  /** Files dropped on or picked in the page: their bytes go to the engine, which decodes them. */
  async openDropped(list: FileList): Promise<void> {
    const files = await Promise.all([...list].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
    await this.openImages([], files)
  }

  /** The bundled model and sample photos, when the app ships them and nothing is open yet. */
  async openBundled(): Promise<void> {
    const bundled = await engine.bundled().catch(() => null)
    if (!bundled) return
    if (!this.model && bundled.models.length) await this.openModel(bundled.models[0])
    if (!this.images.length && bundled.images.length) await this.openImages([...bundled.images])
  }

  /** Sets one end of the guidance interval (σ), or turns the interval on ([.17, 1.02]) or off (null: guide everywhere). */
  setInterval(interval: [lo: number, hi: number] | null): void {
    this.sampling.interval = interval
  }

  select(imageId: string): void {
    this.imageId = imageId
  }

  private async attempt(what: string, work: () => Promise<void>): Promise<void> {
    this.busy = what
    this.error = ''
    try {
      await work()
    } catch (error) {
      this.error = (error as { code?: string }).code === 'cancelled' ? `${what}: cancelled` : describeError(error)
    } finally {
      this.busy = ''
    }
  }
}

/** Opens a model and resolves with its summary once the job is done. */
function openModelJob(source: OpenModelRequest): Promise<ModelSummary> {
  return jobs.run<ModelSummary>(OPEN_MODEL_JOB, () => engine.openModel(source))
}

export const inspector = new InspectorState()
