// The Compare section's document (issue 7): the form, the summary of its model (for the default target BPP, size
// and sampler), the last report, the scatter's y axis and the zoom/pan every tile of the grid shares. Survives
// switching sections.
import { compareRequest, emptyForm, type CompareForm } from '../../components/compare/compare-request'
import { compareResult, type CompareResult } from '../../components/compare/compare-result'
import type { ScatterY } from '../../components/compare/scatter-series'
import type { CompareReport, CompareRequest, ModelSummary } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'
import { InspectorDefaults } from './inspector-defaults'
import { jobs } from './jobs.svelte'
import { ViewTransform } from './view-transform.svelte'

export class CompareState {
  form = $state<CompareForm>(emptyForm())
  model = $state.raw<ModelSummary | null>(null) // of form.modelPath/configPath, once read
  modelNote = $state('') // why the model could not be read
  result = $state.raw<CompareResult | null>(null)
  error = $state('')
  scatterY = $state<ScatterY>('psnr') // PSNR, rFID or proxy FID against BPP; PSNR while the result has no such value
  readonly view = new ViewTransform()
  private modelKey = ''
  private readonly defaults = new InspectorDefaults()

  /** The inspector's model and images (inspector-defaults.ts). */
  fillDefaults(): void {
    const model = this.defaults.model(!this.form.modelPath)
    if (model) [this.form.modelPath, this.form.configPath] = [model.path, model.config]
    const images = this.defaults.images(!this.form.images)
    if (images) this.form.images = images.join('\n')
  }

  /** Reads the form's model (the inspector's summary when it is the same file; else opened briefly and closed). */
  async readModel(): Promise<void> {
    const path = this.form.modelPath.trim()
    const config = this.form.configPath.trim()
    const key = `${path}\n${config}`
    if (key === this.modelKey) return
    this.modelKey = key
    this.model = null
    this.modelNote = ''
    if (!path) return
    const source = inspector.modelSource
    if (source && inspector.model && source.path === path && (source.config ?? '') === config) return void (this.model = inspector.model)
    try {
      const summary = await jobs.run<ModelSummary>('compare-model', () => engine.openModel(config ? { path, config } : { path })) // a job: a first open exports to ONNX
      void engine.closeModel({ modelId: summary.modelId }).catch(() => null) // only frees memory
      if (key === this.modelKey) this.model = summary
    } catch (e) {
      if (key === this.modelKey) this.modelNote = describeError(e)
    }
  }

  async run(): Promise<void> {
    this.error = ''
    const request = this.request()
    if (!request) return
    try {
      const report = await jobs.run<CompareReport>('compare', () => engine.compare(request))
      this.result = compareResult(report, request.images)
      this.view.reset()
    } catch (e) {
      this.error = describeError(e)
    }
  }

  /** The form's request, or null with the problem in `error`. */
  private request(): CompareRequest | null {
    try {
      return compareRequest($state.snapshot(this.form), this.model)
    } catch (e) {
      this.error = (e as Error).message
      return null
    }
  }
}

export const compare = new CompareState()
