// Reconstruction inspector: the latest report for the selected image and sampler knobs, and a shared zoom/pan.
import type { ReconstructReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'
import { ViewTransform } from './view-transform.svelte'

export class ReconstructionState {
  report = $state.raw<ReconstructReport | null>(null)
  error = $state('')
  readonly view = new ViewTransform()

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    this.error = ''
    try {
      this.report = await jobs.run<ReconstructReport>('reconstruct', () => engine.reconstruct(req))
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const reconstruction = new ReconstructionState()
