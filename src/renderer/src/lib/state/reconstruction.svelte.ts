// Reconstruction inspector: the latest report for the selected image and sampler knobs, and a shared zoom/pan.
import type { ReconstructReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { ForSelection } from './for-selection.svelte'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'
import { ViewTransform } from './view-transform.svelte'

export class ReconstructionState {
  private readonly latest = new ForSelection<ReconstructReport>()
  error = $state('')
  errorScale = $state<number | null>(null) // |error| colour scale: null = each image's own max; a number = fixed, comparable across images
  readonly view = new ViewTransform()

  /** The latest reconstruction of the selected image by the open model; null for any other selection. */
  get report(): ReconstructReport | null {
    return this.latest.current
  }

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    const key = inspector.selectionKey
    this.error = ''
    try {
      this.latest.set(key, await jobs.run<ReconstructReport>('reconstruct', () => engine.reconstruct(req)))
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const reconstruction = new ReconstructionState()
