// Runs the engine (src/trainer/index.ts) in an Electron utility process, restarts it when it crashes, ends the jobs
// it was running with job:error 'engine-exited', holds new calls until the restarted engine is ready, resumes its
// training runs, and relays its events to every window (electron-vite guide/dev.md, "Utility Process";
// src/server/engine-supervisor.ts does the same for a Node child process).
import { delimiter } from 'node:path'
import { BrowserWindow, utilityProcess, type UtilityProcess } from 'electron'
import { isHostGrantReply, type HostGrant, type HostGrantReply } from '../shared/payloads/desktop'
import { trainerMethods, type EngineStateEvent, type TrainerApi, type TrainerEvents } from '../shared/protocol'
import { createClient, isPush, RpcError, type Push, type RpcClient, type RpcPort } from '../shared/rpc'
import { pushChannel } from '../shared/ipc-channels'
import { ReadyGate } from '../server/ready-gate'
import { RunningJobs } from '../server/running-jobs'
import { RunningRuns } from '../server/running-runs'
import { allowRootsVariable } from '../trainer/files'
import type { RunHost } from './keep-alive'
import { RestartPolicy } from './restart-policy'

type Pending = { resolve(paths: string[]): void; reject(error: RpcError): void }

function utilityPort(child: UtilityProcess): RpcPort {
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage(listener) {
      child.on('message', listener)
      return () => void child.off('message', listener)
    },
  }
}

function broadcast(push: Push<TrainerEvents>): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(pushChannel, push)
}

export class TrainerHost implements RunHost {
  private child: UtilityProcess | null = null
  private client: RpcClient<TrainerApi, TrainerEvents> | null = null
  private stopping = false
  private nextGrant = 1
  private readonly grants = new Map<number, Pending>()
  private readonly granted = new Set<string>() // every path the user chose: a restarted engine may read them again
  private readonly jobs = new RunningJobs()
  private readonly runs = new RunningRuns()
  private readonly runListeners = new Set<() => void>()
  private readonly policy = new RestartPolicy()
  private readonly gate: ReadyGate

  constructor(private readonly modulePath: string, readyTimeoutMs?: number) {
    this.gate = new ReadyGate(readyTimeoutMs)
  }

  start(): void {
    const env = { ...process.env, [allowRootsVariable]: [...this.granted].join(delimiter) }
    const child = utilityProcess.fork(this.modulePath, [], { serviceName: 'FlowMo engine', stdio: 'inherit', env })
    this.child = child
    this.client = createClient<TrainerApi, TrainerEvents>(utilityPort(child), trainerMethods)
    child.on('message', (message) => this.onMessage(message))
    child.on('exit', (code) => this.onExit(child, code))
  }

  /**
   * Forwards one call once the engine is ready, waiting through a restart (ready-gate.ts); rejects with code
   * 'engine-exited' when the engine dies first, the restart policy gave up, or no engine was ready in time.
   */
  async call(method: keyof TrainerApi, req: unknown): Promise<unknown> {
    await this.gate.whenReady()
    if (!this.client) throw new RpcError('the engine is not running', 'engine-exited')
    const value = await (this.client[method] as (req: unknown) => Promise<unknown>)(req)
    this.jobs.noteReply(value)
    this.runs.noteCall(method, req, value)
    if (method === 'startRun') this.runsChanged()
    return value
  }

  /** Training runs active or waiting to be resumed after a crash. */
  runCount(): number {
    return this.runs.size
  }

  /** Asks every active run to stop (each writes a checkpoint, then run:done); runs waiting to resume stay ended. */
  async stopRuns(): Promise<void> {
    this.runs.forgetInterrupted()
    this.runsChanged()
    await Promise.allSettled(this.runs.runIds.map((runId) => this.call('stopRun', { runId })))
  }

  onRunsChanged(listener: () => void): () => void {
    this.runListeners.add(listener)
    return () => void this.runListeners.delete(listener)
  }

  /** Lets the engine read `paths` (chosen in a native dialog) over the main-only port; resolves their real paths. */
  async allowRoots(paths: readonly string[]): Promise<string[]> {
    await this.gate.whenReady()
    if (!this.child) throw new RpcError('the engine is not running', 'engine-exited')
    const grant: HostGrant = { kind: 'host-grant', id: this.nextGrant++, paths }
    const answer = new Promise<string[]>((resolve, reject) => this.grants.set(grant.id, { resolve, reject }))
    this.child.postMessage(grant)
    return answer
  }

  stop(): void {
    this.stopping = true
    this.gate.close('the app is shutting down')
    this.child?.kill()
  }

  private onMessage(message: unknown): void {
    if (isHostGrantReply(message)) return this.settleGrant(message)
    if (!isPush(message)) return
    const push = message as Push<TrainerEvents>
    this.jobs.notePush(push)
    if (this.runs.notePush(push)) broadcast(push)
    if (push.name === 'run:done' || push.name === 'run:error') this.runsChanged()
    if (push.name === 'engine:status') this.gate.set(push.payload)
    if (push.name === 'engine:status' && push.payload.state === 'ready') void this.resumeRuns()
  }

  private async resumeRuns(): Promise<void> {
    await this.runs.resumeAll((method, req) => this.call(method, req), broadcast)
    this.runsChanged()
  }

  private runsChanged(): void {
    for (const listener of this.runListeners) listener()
  }

  private settleGrant(reply: HostGrantReply): void {
    const pending = this.grants.get(reply.id)
    this.grants.delete(reply.id)
    if (!pending) return
    if (!reply.ok) return pending.reject(new RpcError(reply.message, 'forbidden'))
    for (const path of reply.paths) this.granted.add(path)
    pending.resolve([...reply.paths])
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return
    const message = `the engine exited (code ${code})`
    this.client?.close(new RpcError(message, 'engine-exited'))
    for (const pending of this.grants.values()) pending.reject(new RpcError(message, 'engine-exited'))
    this.grants.clear()
    this.client = null
    this.child = null
    for (const payload of this.jobs.abandon(`${message} while the job was running`)) broadcast({ kind: 'push', name: 'job:error', payload })
    for (const payload of this.runs.abandon(message)) broadcast({ kind: 'push', name: 'run:error', payload })
    if (this.stopping) return this.runs.forgetInterrupted()
    const decision = this.policy.onCrash(Date.now())
    if (!decision.restart) this.runs.forgetInterrupted()
    this.runsChanged()
    const state: EngineStateEvent = decision.restart
      ? { state: 'restarting', message: `${message}; restarting (attempt ${decision.attempt})` }
      : { state: 'stopped', message: `${message} ${decision.attempt} times in a row; restart the app` }
    this.gate.set(state)
    broadcast({ kind: 'push', name: 'engine:status', payload: state })
    if (decision.restart) setTimeout(() => !this.stopping && this.start(), decision.delayMs)
  }
}
