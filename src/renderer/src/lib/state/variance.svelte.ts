// Sample variance (paper Fig. 8): K decodes with seeds seed … seed+K−1; samples fill the strip as they arrive.
import type { RgbPixels, VarianceReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export interface ArrivedSample extends RgbPixels {
  readonly seed: number
}

export class VarianceState {
  k = $state(8)
  samples = $state.raw<ArrivedSample[]>([])
  report = $state.raw<VarianceReport | null>(null)
  error = $state('')
  private jobId: string | null = null

  constructor() {
    engine.on('inspect:sample', (event) => {
      if (event.jobId !== this.jobId) return
      this.samples = [...this.samples, { pixels: event.pixels, h: event.h, w: event.w, seed: event.seed }]
    })
  }

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    this.error = ''
    this.samples = []
    this.report = null
    try {
      this.report = await jobs.run<VarianceReport>('variance', () => engine.sampleVariance({ ...req, k: this.k }), (id) => (this.jobId = id))
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const variance = new VarianceState()
