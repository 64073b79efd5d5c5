// Running engine jobs by id (the service's long calls): each reports job:progress, then exactly one job:done or
// job:error; cancelling aborts its signal and reports 'cancelled'.
import type { JobStarted, TrainerEvents } from '../../shared/protocol'
import { toWireError, type Emit } from '../../shared/rpc'

type JobWork = (signal: AbortSignal, progress: (done: number, total: number, message: string) => void) => Promise<unknown>

/** Running jobs by id: each reports job:progress, then exactly one job:done or job:error. */
export class Jobs {
  private readonly running = new Map<string, AbortController>()
  private nextId = 1

  constructor(private readonly emit: Emit<TrainerEvents>) {}

  start(kind: string, work: JobWork): JobStarted {
    const jobId = `${kind}-${this.nextId++}`
    const controller = new AbortController()
    this.running.set(jobId, controller)
    const progress = (done: number, total: number, message: string) =>
      this.emit('job:progress', { jobId, done, total, message })
    work(controller.signal, progress)
      .then((result) => this.emit('job:done', { jobId, result }))
      .catch((error: unknown) => {
        const wire = controller.signal.aborted ? { message: 'cancelled', code: 'cancelled' } : toWireError(error)
        this.emit('job:error', { jobId, ...wire })
      })
      .finally(() => this.running.delete(jobId))
    return { jobId }
  }

  cancel(jobId: string): boolean {
    const controller = this.running.get(jobId)
    controller?.abort()
    return controller !== undefined
  }
}
