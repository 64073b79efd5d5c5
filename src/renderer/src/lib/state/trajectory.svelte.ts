// Trajectory: every sampler state of one decode and the one the slider shows.
import type { TrajectoryReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { ForSelection } from './for-selection.svelte'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export class TrajectoryState {
  private readonly latest = new ForSelection<TrajectoryReport>()
  index = $state(0)
  error = $state('')

  /** The trajectory of the selected image; null for any other selection. */
  get report(): TrajectoryReport | null {
    return this.latest.current
  }

  readonly state = $derived(this.report?.states[this.index] ?? null)
  /** t of the shown state: ts[i] before step i; the last state is at t = 0. */
  readonly t = $derived(this.report ? (this.index < this.report.dts.length ? this.report.ts[this.index] : 0) : null)

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    const key = inspector.selectionKey
    this.error = ''
    try {
      const report = await jobs.run<TrajectoryReport>('trajectory', () => engine.trajectory(req))
      this.latest.set(key, report)
      this.index = report.states.length - 1
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const trajectory = new TrajectoryState()
