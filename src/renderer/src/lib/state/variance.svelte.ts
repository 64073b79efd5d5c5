// Sample variance (paper Fig. 8): K decodes with seeds seed … seed+K−1; samples fill the strip as they arrive.
import type { RgbPixels, VarianceReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { ForSelection } from './for-selection.svelte'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export interface ArrivedSample extends RgbPixels {
  readonly seed: number
  readonly psnr: number // dB against the original
}

export class VarianceState {
  k = $state(8)
  private readonly arrived = new ForSelection<ArrivedSample[]>()
  private readonly latest = new ForSelection<VarianceReport>()
  error = $state('')
  private jobId: string | null = null
  private key = ''

  /** The samples and report of the selected image; empty / null for any other selection. */
  get samples(): ArrivedSample[] {
    return this.arrived.current ?? []
  }

  get report(): VarianceReport | null {
    return this.latest.current
  }

  constructor() {
    engine.on('inspect:sample', (event) => {
      if (event.jobId !== this.jobId) return
      this.arrived.set(this.key, [...this.samples, { pixels: event.pixels, h: event.h, w: event.w, seed: event.seed, psnr: event.psnr }])
    })
  }

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    this.error = ''
    this.key = inspector.selectionKey
    this.arrived.set(this.key, [])
    this.latest.clear()
    try {
      const key = this.key
      this.latest.set(key, await jobs.run<VarianceReport>('variance', () => engine.sampleVariance({ ...req, k: this.k }), (id) => (this.jobId = id)))
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const variance = new VarianceState()
