// Which engine jobs are running, seen from outside the engine: a job starts with a JobStarted reply (or its first
// progress event) and ends with job:done / job:error. When the engine dies, the survivors get job:error 'engine-exited'.
import type { JobErrorEvent } from '../shared/protocol'
import { isRecord, type Push } from '../shared/rpc'

const endedMemory = 1000 // ended ids kept to ignore a late JobStarted reply (events may arrive before it)

export class RunningJobs {
  private readonly running = new Set<string>()
  private readonly ended = new Set<string>()

  /** A call's reply: `{ jobId }` means a job started. */
  noteReply(value: unknown): void {
    if (isRecord(value) && typeof value.jobId === 'string') this.start(value.jobId)
  }

  notePush(push: Push): void {
    const jobId = isRecord(push.payload) && typeof push.payload.jobId === 'string' ? push.payload.jobId : null
    if (jobId === null) return
    if (push.name === 'job:progress') this.start(jobId)
    else if (push.name === 'job:done' || push.name === 'job:error') this.end(jobId)
  }

  get size(): number {
    return this.running.size
  }

  /** Ends every running job with an engine-exited error event; forgets all ids (the next engine restarts numbering). */
  abandon(message: string): JobErrorEvent[] {
    const events = [...this.running].map((jobId) => ({ jobId, message, code: 'engine-exited' }))
    this.running.clear()
    this.ended.clear()
    return events
  }

  private start(jobId: string): void {
    if (!this.ended.has(jobId)) this.running.add(jobId)
  }

  private end(jobId: string): void {
    this.running.delete(jobId)
    this.ended.add(jobId)
    if (this.ended.size > endedMemory) this.ended.delete(this.ended.values().next().value!)
  }
}
