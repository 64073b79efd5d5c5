// What an engine host keeps about the engine process it runs — its running jobs and training runs, the ready gate,
// and the restart decision when the process ends — shared by web mode's supervisor (engine-supervisor.ts) and the
// desktop host (src/main/trainer-host.ts), which differ only in how they start the process and relay events.
import type { RestartPolicy } from '../main/restart-policy'
import type { EngineStateEvent, TrainerApi, TrainerEvents } from '../shared/protocol'
import { RpcError, type RpcClient } from '../shared/rpc'
import { ReadyGate } from './ready-gate'
import { RunningJobs } from './running-jobs'
import { RunningRuns, type EnginePush } from './running-runs'

/** What the host does after its engine process ended. */
export interface EngineExit {
  readonly pushes: readonly EnginePush[] // job:error / run:error for what was running, then engine:status (unless stopping)
  readonly restartInMs: number | null // start a new engine after this long; null when stopping or the policy gave up
}

export class EngineBooks {
  readonly jobs = new RunningJobs()
  readonly runs = new RunningRuns()
  readonly gate: ReadyGate

  /** `giveUp` ends the 'stopped' message after the crash count, e.g. 'times in a row; restart the app'. */
  constructor(private readonly policy: RestartPolicy, private readonly giveUp: string, readyTimeoutMs?: number) {
    this.gate = new ReadyGate(readyTimeoutMs)
  }

  /**
   * One call once the engine is ready (the client is read after the wait: a restart replaces it), noting the jobs
   * and runs its reply starts; rejects with 'engine-exited' when no engine serves it.
   */
  async call(client: () => RpcClient<TrainerApi, TrainerEvents> | null, method: keyof TrainerApi, req: unknown): Promise<unknown> {
    await this.gate.whenReady()
    const current = client()
    if (!current) throw new RpcError('the engine is not running', 'engine-exited')
    const value = await (current[method] as (req: unknown) => Promise<unknown>)(req)
    this.jobs.noteReply(value)
    this.runs.noteCall(method, req, value)
    return value
  }

  /** One push from the engine; false when it is held back until resumed runs are announced. */
  notePush(push: EnginePush): boolean {
    this.jobs.notePush(push)
    if (push.name === 'engine:status') this.gate.set(push.payload)
    return this.runs.notePush(push)
  }

  /** The engine process ended with `message`: what was running ends, and (unless stopping) the policy decides. */
  exited(message: string, stopping: boolean): EngineExit {
    const pushes: EnginePush[] = [
      ...this.jobs.abandon(`${message} while the job was running`).map((payload): EnginePush => ({ kind: 'push', name: 'job:error', payload })),
      ...this.runs.abandon(message).map((payload): EnginePush => ({ kind: 'push', name: 'run:error', payload })),
    ]
    if (stopping) {
      this.runs.forgetInterrupted()
      return { pushes, restartInMs: null }
    }
    const decision = this.policy.onCrash(Date.now())
    if (!decision.restart) this.runs.forgetInterrupted()
    const state: EngineStateEvent = decision.restart
      ? { state: 'restarting', message: `${message}; restarting (attempt ${decision.attempt})` }
      : { state: 'stopped', message: `${message} ${decision.attempt} ${this.giveUp}` }
    this.gate.set(state)
    pushes.push({ kind: 'push', name: 'engine:status', payload: state })
    return { pushes, restartInMs: decision.restart ? decision.delayMs : null }
  }
}
