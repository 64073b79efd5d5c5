// A/B in the inspector (issue 16): a second model B beside the open model A, both reconstructing the selected image
// with the same sampler knobs and seed (the noise is keyed by the image at the model size, so models of one size get
// the same noise), a blink toggle and one zoom/pan for every pane.
import type { ModelSummary, ReconstructReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector, openModelJob } from './inspector.svelte'
import { jobs } from './jobs.svelte'
import { ViewTransform } from './view-transform.svelte'

export class AbState {
  pathB = $state('')
  configB = $state('')
  modelB = $state.raw<ModelSummary | null>(null)
  showing = $state<'A' | 'B'>('A') // the blink pane
  error = $state('')
  readonly view = new ViewTransform()
  private result = $state.raw<{ key: string; a: ReconstructReport; b: ReconstructReport } | null>(null)

  /** What the pair was made for: the selection (model A, image) and model B. */
  private get key(): string {
    return `${inspector.selectionKey}/${this.modelB?.modelId ?? ''}`
  }

  /** A's and B's reconstructions of the selected image, while A, B and the image are the ones they were made for. */
  get pair(): { a: ReconstructReport; b: ReconstructReport } | null {
    return this.result && this.result.key === this.key ? this.result : null
  }

  /** Opens B (closing the B before it); A stays open. */
  async openB(): Promise<void> {
    this.error = ''
    const path = this.pathB.trim()
    if (!path) return void (this.error = 'give a checkpoint for B')
    try {
      const opened = await openModelJob(this.configB.trim() ? { path, config: this.configB.trim() } : { path })
      const previous = this.modelB
      this.modelB = opened
      if (previous) void engine.closeModel({ modelId: previous.modelId }).catch(() => null) // only frees memory
    } catch (e) {
      this.error = describeError(e)
    }
  }

  /** Reconstructs the selected image with A, then with B, same knobs and seed. */
  async run(): Promise<void> {
    const req = inspector.request
    const b = this.modelB
    if (!req || !b) return
    const key = this.key
    this.error = ''
    try {
      const ra = await jobs.run<ReconstructReport>('ab', () => engine.reconstruct(req))
      const rb = await jobs.run<ReconstructReport>('ab', () => engine.reconstruct({ ...req, modelId: b.modelId }))
      this.result = { key, a: ra, b: rb }
    } catch (e) {
      this.error = describeError(e)
    }
  }

  blink(): void {
    this.showing = this.showing === 'A' ? 'B' : 'A'
  }
}

export const ab = new AbState()
