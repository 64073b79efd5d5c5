// Runs the engine (src/trainer/index.ts) in a Node child process for `flowmo serve` and restarts it when it dies,
// with the desktop host's RestartPolicy, resuming the training runs it was running; jobs, runs, the ready gate and the
// restart decision are engine-books.ts, shared with src/main/trainer-host.ts (the same for Electron's utility process).
import { fork, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RestartPolicy } from '../main/restart-policy'
import { trainerSchemas, type EngineStateEvent, type TrainerApi, type TrainerEvents } from '../shared/protocol'
import { createClient, isPush, RpcError, type RpcClient, type RpcPort, type Schemas } from '../shared/rpc'
import { EngineBooks } from './engine-books'
import type { EnginePush } from './running-runs'

export type { EnginePush } from './running-runs'

/** What the web server needs from an engine: the calls it answers, calls, events and its current state. */
export interface EngineLink {
  readonly schemas: Schemas<TrainerApi> // one per call; the web server refuses other calls and invalid requests
  call(method: keyof TrainerApi, req: unknown): Promise<unknown>
  onPush(listener: (push: EnginePush) => void): () => void
  readonly state: EngineStateEvent | null // null until the first engine announced itself
}

/** An engine process: its entry module and the calls it serves. */
export interface EngineModule {
  readonly entry: string // absolute path of a module that calls serveEngine (src/trainer/engine-process.ts)
  readonly schemas: Schemas<TrainerApi>
}

export interface EngineSupervisorOptions {
  readonly engine?: EngineModule // default: the app's engine, src/trainer/index.ts
  readonly env?: NodeJS.ProcessEnv // added to this process's environment, e.g. FLOWMO_ALLOW_ROOTS
  readonly policy?: RestartPolicy // default: 3 restarts a minute, backing off from 250 ms
  readonly log?: (line: string) => void // one line per crash / restart
  readonly readyTimeoutMs?: number // how long a call waits for a (re)starting engine (default 30 s)
}

const appEngine: EngineModule = { entry: fileURLToPath(new URL('../trainer/index.ts', import.meta.url)), schemas: trainerSchemas }
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href // absolute: any cwd works
/** Ends the engine when flowmo serve is gone, even killed with no chance to stop it: its IPC channel closes
 *  (a pending timer or wasm worker threads would keep it alive). Inline, so the worker threads can load it too. */
const lifeline = `data:text/javascript,${encodeURIComponent(
  "import { isMainThread } from 'node:worker_threads'; if (isMainThread) process.on('disconnect', () => process.exit(0))",
)}`

function childPort(child: ChildProcess): RpcPort {
  return {
    postMessage: (message) => void (child.connected && child.send(message as never)),
    onMessage(listener) {
      child.on('message', listener)
      return () => void child.off('message', listener)
    },
  }
}

export class EngineSupervisor implements EngineLink {
  private child: ChildProcess | null = null
  private client: RpcClient<TrainerApi, TrainerEvents> | null = null
  private stopping = false
  private readonly listeners = new Set<(push: EnginePush) => void>()
  private readonly books: EngineBooks
  private readonly engine: EngineModule

  constructor(private readonly options: EngineSupervisorOptions = {}) {
    this.engine = options.engine ?? appEngine
    this.books = new EngineBooks(options.policy ?? new RestartPolicy(), 'times within a minute; restart flowmo serve', options.readyTimeoutMs)
  }

  get schemas(): Schemas<TrainerApi> {
    return this.engine.schemas
  }

  get state(): EngineStateEvent | null {
    return this.books.gate.state
  }

  /** The engine's process id, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid
  }

  start(): void {
    const child = fork(this.engine.entry, [], {
      execArgv: ['--import', tsxLoader, '--import', lifeline],
      serialization: 'advanced', // typed arrays cross as they are
      stdio: 'inherit',
      env: { ...process.env, ...this.options.env },
    })
    this.child = child
    this.client = createClient<TrainerApi, TrainerEvents>(childPort(child), this.engine.schemas)
    child.on('message', (message) => isPush(message) && this.relay(message as EnginePush))
    child.on('exit', (code, signal) => this.onExit(child, signal ?? `code ${code}`))
    child.on('error', (error) => this.options.log?.(`engine process error: ${error.message}`))
  }

  onPush(listener: (push: EnginePush) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /** Forwards one call once the engine is ready (ready-gate.ts); rejects with 'engine-exited' when it dies first or gave up. */
  call(method: keyof TrainerApi, req: unknown): Promise<unknown> {
    return this.books.call(() => this.client, method, req)
  }

  /**
   * Stops the engine for good and waits for its process to end. Training runs are asked to stop first (each writes
   * a checkpoint and ends with run:done), for up to `runsTimeoutMs`; a later `resume` continues them.
   */
  async stop(runsTimeoutMs = 60_000): Promise<void> {
    await this.stopRuns(runsTimeoutMs)
    this.stopping = true
    this.books.gate.close('the server is shutting down')
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(killer)
  }

  private async stopRuns(timeoutMs: number): Promise<void> {
    const runIds = this.books.runs.runIds
    if (!runIds.length || this.state?.state !== 'ready') return
    this.options.log?.(`stopping ${runIds.length} training run(s): each writes a checkpoint first`)
    const ended = new Promise<void>((resolve) => {
      const off = this.onPush(() => this.books.runs.runIds.length === 0 && (off(), resolve()))
      setTimeout(() => (off(), resolve()), timeoutMs).unref()
    })
    await Promise.allSettled(runIds.map((runId) => this.call('stopRun', { runId })))
    await ended
  }

  private relay(push: EnginePush): void {
    if (this.books.notePush(push)) this.broadcast(push)
    if (push.name === 'engine:status' && push.payload.state === 'ready') {
      void this.books.runs.resumeAll((method, req) => this.call(method, req), (resumed) => this.broadcast(resumed))
    }
  }

  private broadcast(push: EnginePush): void {
    for (const listener of this.listeners) listener(push)
  }

  private onExit(child: ChildProcess, how: string): void {
    if (child !== this.child) return
    const message = `the engine exited (${how})`
    this.client?.close(new RpcError(message, 'engine-exited'))
    this.client = null
    this.child = null
    const { pushes, restartInMs } = this.books.exited(message, this.stopping)
    if (!this.stopping) this.options.log?.(`${message}; ${restartInMs !== null ? `restarting in ${restartInMs} ms` : 'giving up'}`)
    for (const push of pushes) this.broadcast(push)
    if (restartInMs !== null) setTimeout(() => !this.stopping && this.start(), restartInMs)
  }
}
