// Which training runs are active, seen from outside the engine (as running-jobs.ts for jobs): a startRun reply ties a
// runId to its request, run:checkpoint keeps its newest checkpoint, run:done / run:error forget it. When the engine
// dies each run ends with run:error 'engine-exited'; once a new engine is ready the host resumes them from their folders.
import type { RunErrorEvent, RunInfo, RunRequest, TrainerApi, TrainerEvents } from '../shared/protocol'
import { isRecord, type Push } from '../shared/rpc'

/** A host's call into the engine (EngineSupervisor.call, TrainerHost.call). */
export type EngineCall = (method: keyof TrainerApi, req: unknown) => Promise<unknown>
export type EnginePush = Push<TrainerEvents>

interface TrackedRun {
  readonly request: RunRequest
  lastCheckpoint: string | null
}

interface InterruptedRun extends TrackedRun {
  readonly runId: string
}

const endedMemory = 1000 // ended ids kept to ignore a late startRun reply

export class RunningRuns {
  private readonly active = new Map<string, TrackedRun>()
  private readonly ended = new Set<string>()
  private interrupted: InterruptedRun[] = []
  private reason = ''
  private held: EnginePush[] | null = null // run:* pushes that arrive while resumed runs start, relayed after run:resumed

  /** A call and its reply: a startRun reply `{ runId }` starts tracking the run with its request. */
  noteCall(method: keyof TrainerApi, req: unknown, value: unknown): void {
    if (method !== 'startRun' || !isRecord(value) || typeof value.runId !== 'string' || !isRecord(req)) return
    const runId = value.runId
    if (!this.ended.has(runId) && !this.active.has(runId)) this.active.set(runId, { request: req as unknown as RunRequest, lastCheckpoint: null })
  }

  /** Notes one engine push; false when it is held back until the resumed runs are announced (run:resumed comes first). */
  notePush(push: EnginePush): boolean {
    const runId = push.name.startsWith('run:') && isRecord(push.payload) && typeof push.payload.runId === 'string' ? push.payload.runId : null
    if (runId === null) return true
    if (this.held) {
      this.held.push(push)
      return false
    }
    const run = this.active.get(runId)
    if (push.name === 'run:checkpoint' && run) run.lastCheckpoint = push.payload.path
    else if (push.name === 'run:done' || push.name === 'run:error') this.end(runId)
    return true
  }

  /** Active runs plus those waiting to be resumed: while > 0, the host must keep the engine alive. */
  get size(): number {
    return this.active.size + this.interrupted.length
  }

  get runIds(): string[] {
    return [...this.active.keys()]
  }

  /** The engine died: every active run ends with run:error 'engine-exited' and waits for resumeAll(). */
  abandon(reason: string): RunErrorEvent[] {
    this.reason = reason
    const runs = [...this.active].map(([runId, run]) => ({ runId, ...run }))
    this.interrupted.push(...runs)
    this.active.clear()
    this.ended.clear() // ids of the dead engine's runs: no later event can carry them
    return runs.map(({ runId, lastCheckpoint }) => ({
      runId, code: 'engine-exited', lastCheckpoint, message: `${reason} while the run was training`,
    }))
  }

  /** The engine gave up restarting: the interrupted runs stay ended (their folders can be resumed by hand). */
  forgetInterrupted(): void {
    this.interrupted = []
  }

  /** The restarted engine is ready: restarts each interrupted run from its folder, announcing run:resumed (or run:error). */
  async resumeAll(call: EngineCall, emit: (push: EnginePush) => void): Promise<void> {
    const runs = this.interrupted.splice(0)
    if (runs.length === 0) return
    this.held = []
    try {
      for (const run of runs) emit(await this.resume(run, call))
    } finally {
      const held = this.held
      this.held = null
      for (const push of held) if (this.notePush(push)) emit(push)
    }
  }

  private async resume(run: InterruptedRun, call: EngineCall): Promise<EnginePush> {
    const request = resumeRequest(run)
    try {
      const { runId } = (await call('startRun', request)) as { runId: string }
      const info = ((await call('listRuns', undefined)) as RunInfo[]).find((r) => r.runId === runId)
      const fromCheckpoint = info?.lastCheckpoint ?? null // the engine reports where it continues
      if (!this.ended.has(runId)) this.active.set(runId, { request, lastCheckpoint: fromCheckpoint })
      const payload = { previousRunId: run.runId, runId, out: run.request.out, fromCheckpoint, reason: this.reason }
      return { kind: 'push', name: 'run:resumed', payload }
    } catch (e) {
      const message = `could not resume the run in ${run.request.out} after ${this.reason}: ${e instanceof Error ? e.message : String(e)}`
      return { kind: 'push', name: 'run:error', payload: { runId: run.runId, code: 'resume-failed', message, lastCheckpoint: run.lastCheckpoint } }
    }
  }

  private end(runId: string): void {
    this.active.delete(runId)
    this.ended.add(runId)
    if (this.ended.size > endedMemory) this.ended.delete(this.ended.values().next().value!)
  }
}

/** Continue the run's folder; `init` only matters while the folder has no checkpoint (the engine then starts over). */
function resumeRequest(run: TrackedRun): RunRequest {
  return { ...run.request, resume: true, init: run.lastCheckpoint === null ? run.request.init : undefined }
}
