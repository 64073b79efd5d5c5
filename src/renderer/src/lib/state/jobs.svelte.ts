// Engine jobs as promises: every job:* event is routed by jobId from startup on, so events that arrive with (or
// before) the call's reply are kept until the caller's job is known. `running` feeds the progress bars.
import type { JobProgressEvent, JobStarted } from '../../../../shared/protocol'
import { engine } from '../engine'

interface Waiter {
  progress(event: JobProgressEvent): void
  done(result: unknown): void
  error(error: { message: string; code: string }): void
}

type Early = { kind: 'progress'; event: JobProgressEvent } | { kind: 'done'; result: unknown } | { kind: 'error'; message: string; code: string }

export interface RunningJob {
  readonly jobId: string
  readonly label: string
  readonly done: number
  readonly total: number
  readonly message: string
}

export class JobsState {
  running = $state<RunningJob[]>([])
  private readonly waiters = new Map<string, Waiter>()
  private readonly early = new Map<string, Early[]>()

  constructor() {
    engine.on('job:progress', (event) => this.route(event.jobId, { kind: 'progress', event }))
    engine.on('job:done', (event) => this.route(event.jobId, { kind: 'done', result: event.result }))
    engine.on('job:error', (event) => this.route(event.jobId, { kind: 'error', message: event.message, code: event.code }))
  }

  /** Starts a job and resolves with its report (typed by the caller, as the protocol names it). */
  async run<T>(label: string, start: () => Promise<JobStarted>, onStarted?: (jobId: string) => void): Promise<T> {
    const { jobId } = await start()
    onStarted?.(jobId)
    this.running.push({ jobId, label, done: 0, total: 0, message: 'started' })
    return new Promise<T>((resolve, reject) => {
      const finish = () => (this.waiters.delete(jobId), (this.running = this.running.filter((j) => j.jobId !== jobId)))
      this.waiters.set(jobId, {
        progress: (e) => (this.running = this.running.map((j) => (j.jobId === jobId ? { ...j, done: e.done, total: e.total, message: e.message } : j))),
        done: (result) => (finish(), resolve(result as T)),
        error: (error) => (finish(), reject(error)),
      })
      for (const event of this.early.get(jobId) ?? []) this.route(jobId, event)
      this.early.delete(jobId)
    })
  }

  cancel(jobId: string): void {
    void engine.cancelJob({ jobId })
  }

  isRunning(label: string): boolean {
    return this.running.some((j) => j.label === label)
  }

  progressOf(label: string): RunningJob | null {
    return this.running.find((j) => j.label === label) ?? null
  }

  private route(jobId: string, event: Early): void {
    const waiter = this.waiters.get(jobId)
    if (!waiter) {
      const list = this.early.get(jobId) ?? []
      if (list.length < 1000) this.early.set(jobId, [...list, event])
      if (this.early.size > 100) this.early.delete(this.early.keys().next().value!) // jobs nobody here started
      return
    }
    if (event.kind === 'progress') waiter.progress(event.event)
    else if (event.kind === 'done') waiter.done(event.result)
    else waiter.error(event)
  }
}

export const jobs = new JobsState()
