// A/B in the inspector (issue 16): a second model B beside the open model A, both decoding the selected image with
// the same sampler knobs and seed (the noise is keyed by the image at the model size, so models of one size get the
// same noise) — reconstruction, sample variance, the sampler trajectory, or the bit sensitivity atlas (one code
// length) — with a blink toggle and one zoom/pan.
import type { BitAtlasReport, JobStarted, ModelSummary, ReconstructReport, TrajectoryReport, VarianceReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector, openModelJob } from './inspector.svelte'
import { jobs } from './jobs.svelte'
import { ViewTransform } from './view-transform.svelte'

export type AbMode = 'reconstruction' | 'variance' | 'trajectory' | 'bitmap'
interface Reports { reconstruction: ReconstructReport; variance: VarianceReport; trajectory: TrajectoryReport; bitmap: BitAtlasReport }
type Pair<T> = { readonly a: T; readonly b: T }

export class AbState {
  pathB = $state('')
  configB = $state('')
  modelB = $state.raw<ModelSummary | null>(null)
  mode = $state<AbMode>('reconstruction')
  k = $state(4) // variance: samples per model
  subset = $state(48) // bit-map: bits flipped one at a time (the sensitivity atlas), 0 = every bit
  step = $state(0) // trajectory: the state shown, 0 = the noise
  showing = $state<'A' | 'B'>('A') // the blink pane
  error = $state('')
  readonly view = new ViewTransform()
  private results = $state.raw<{ [M in AbMode]?: Pair<Reports[M]> & { key: string } }>({})

  /** What a pair is made for: the selection (model A, image) and model B. */
  private get key(): string {
    return `${inspector.selectionKey}/${this.modelB?.modelId ?? ''}`
  }

  /** A's and B's reports of one kind for the selected image, while A, B and the image are the ones they were made for. */
  pair<M extends AbMode>(mode: M): Pair<Reports[M]> | null {
    const r = this.results[mode] as (Pair<Reports[M]> & { key: string }) | undefined
    return r && r.key === this.key ? r : null
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

  /** Runs the current mode with A, then with B: same knobs, seed and (for variance) k. */
  async run(): Promise<void> {
    const req = inspector.request
    const b = this.modelB
    if (!req || !b) return
    const [key, mode, k] = [this.key, this.mode, this.k]
    const subset = this.subset > 0 ? { subset: this.subset } : {}
    const starts: Record<AbMode, (modelId: string) => Promise<JobStarted>> = {
      reconstruction: (modelId) => engine.reconstruct({ ...req, modelId }),
      variance: (modelId) => engine.sampleVariance({ ...req, modelId, k }),
      trajectory: (modelId) => engine.trajectory({ ...req, modelId }),
      bitmap: (modelId) => engine.bitAtlas({ ...req, modelId, ...subset }),
    }
    const start = starts[mode]
    this.error = ''
    try {
      const ra = await jobs.run<Reports[typeof mode]>('ab', () => start(req.modelId))
      const rb = await jobs.run<Reports[typeof mode]>('ab', () => start(b.modelId))
      this.results = { ...this.results, [mode]: { key, a: ra, b: rb } }
      if (mode === 'trajectory') this.step = (ra as TrajectoryReport).states.length - 1
    } catch (e) {
      this.error = describeError(e)
    }
  }

  blink(): void {
    this.showing = this.showing === 'A' ? 'B' : 'A'
  }
}

export const ab = new AbState()
