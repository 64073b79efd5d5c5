// Trajectory: every sampler state of one decode, the clean image x̂₀ each predicts, and the state the slider shows.
// The slider moves in t (1 → 0), not in step index: with ρ = 4 half the steps crowd near t ≈ 0.
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
  readonly predicted = $derived(this.report?.predicted[this.index] ?? null)
  /** t of the shown state: ts[i] before step i; the last state is at t = 0. */
  readonly t = $derived(this.report ? stateT(this.report, this.index) : null)

  /** Shows the state nearest to time t. */
  seek(t: number): void {
    const r = this.report
    if (!r) return
    let best = 0
    for (let i = 1; i < r.states.length; i++) if (Math.abs(stateT(r, i) - t) < Math.abs(stateT(r, best) - t)) best = i
    this.index = best
  }

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

/** t of state i: ts[i] before step i, 0 after the last step. */
export function stateT(r: TrajectoryReport, i: number): number {
  return i < r.dts.length ? r.ts[i] : 0
}

export const trajectory = new TrajectoryState()
