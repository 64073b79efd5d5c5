// Runs the engine (src/trainer/index.ts) in an Electron utility process, restarts it when it crashes, ends the jobs
// it was running with job:error 'engine-exited', holds new calls until the restarted engine is ready, resumes its
// training runs, and relays its events to every window (electron-vite guide/dev.md, "Utility Process"). The bookkeeping
// is src/server/engine-books.ts, shared with web mode's engine-supervisor.ts (the same for a Node child process).
import { delimiter } from 'node:path'
import { BrowserWindow, utilityProcess, type UtilityProcess } from 'electron'
import { isHostGrantReply, type HostGrant, type HostGrantReply } from '../shared/payloads/desktop'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../shared/protocol'
import { createClient, isPush, RpcError, type Push, type RpcClient, type RpcPort } from '../shared/rpc'
import { pushChannel } from '../shared/ipc-channels'
import { EngineBooks } from '../server/engine-books'
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
  private readonly runListeners = new Set<() => void>()
  private readonly books: EngineBooks

  constructor(private readonly modulePath: string, readyTimeoutMs?: number) {
    this.books = new EngineBooks(new RestartPolicy(), 'times in a row; restart the app', readyTimeoutMs)
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
    const value = await this.books.call(() => this.client, method, req)
    if (method === 'startRun') this.runsChanged()
    return value
  }

  /** Training runs active or waiting to be resumed after a crash. */
  runCount(): number {
    return this.books.runs.size
  }

  /** Asks every active run to stop (each writes a checkpoint, then run:done); runs waiting to resume stay ended. */
  async stopRuns(): Promise<void> {
    this.books.runs.forgetInterrupted()
    this.runsChanged()
    await Promise.allSettled(this.books.runs.runIds.map((runId) => this.call('stopRun', { runId })))
  }

  onRunsChanged(listener: () => void): () => void {
    this.runListeners.add(listener)
    return () => void this.runListeners.delete(listener)
  }

  /** Lets the engine read `paths` (chosen in a native dialog) over the main-only port; resolves their real paths. */
  async allowRoots(paths: readonly string[]): Promise<string[]> {
    await this.books.gate.whenReady()
    if (!this.child) throw new RpcError('the engine is not running', 'engine-exited')
    const grant: HostGrant = { kind: 'host-grant', id: this.nextGrant++, paths }
    const answer = new Promise<string[]>((resolve, reject) => this.grants.set(grant.id, { resolve, reject }))
    this.child.postMessage(grant)
    return answer
  }

  stop(): void {
    this.stopping = true
    this.books.gate.close('the app is shutting down')
    this.child?.kill()
  }

  private onMessage(message: unknown): void {
    if (isHostGrantReply(message)) return this.settleGrant(message)
    if (!isPush(message)) return
    const push = message as Push<TrainerEvents>
    if (this.books.notePush(push)) broadcast(push)
    if (push.name === 'run:done' || push.name === 'run:error') this.runsChanged()
    if (push.name === 'engine:status' && push.payload.state === 'ready') void this.resumeRuns()
  }

  private async resumeRuns(): Promise<void> {
    await this.books.runs.resumeAll((method, req) => this.call(method, req), broadcast)
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
    const { pushes, restartInMs } = this.books.exited(message, this.stopping)
    if (!this.stopping) this.runsChanged()
    for (const push of pushes) broadcast(push)
    if (restartInMs !== null) setTimeout(() => !this.stopping && this.start(), restartInMs)
  }
}
