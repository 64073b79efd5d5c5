// Holds engine calls until the engine is ready: through a crash and restart they wait (at most `timeoutMs`) and then
// go to the new engine; they fail when the restart policy gave up or the host shuts down. Shared by the web-mode
// supervisor (engine-supervisor.ts) and the desktop host (src/main/trainer-host.ts).
import type { EngineStateEvent } from '../shared/protocol'
import { RpcError } from '../shared/rpc'

export const READY_TIMEOUT_MS = 30_000 // how long a call waits for a (re)starting engine

interface Waiter {
  resolve(): void
  reject(error: RpcError): void
}

export class ReadyGate {
  private current: EngineStateEvent | null = null // null until the first engine announced itself
  private closed: RpcError | null = null
  private readonly waiters = new Set<Waiter>()

  constructor(private readonly timeoutMs = READY_TIMEOUT_MS) {}

  get state(): EngineStateEvent | null {
    return this.current
  }

  /** The engine's new state: 'ready' lets the waiting calls go on, 'stopped' fails them with its message. */
  set(state: EngineStateEvent): void {
    this.current = state
    if (state.state === 'ready') this.settle(null)
    if (state.state === 'stopped') this.settle(new RpcError(`the engine has stopped: ${state.message}`, 'engine-exited'))
  }

  /** Fails the waiting calls and every later one (the host is shutting down). */
  close(message: string): void {
    this.closed = new RpcError(message, 'engine-exited')
    this.settle(this.closed)
  }

  /** Resolves once the engine is ready; rejects with 'engine-exited' when it stopped, the gate closed or time ran out. */
  whenReady(): Promise<void> {
    if (this.closed) return Promise.reject(this.closed)
    if (this.current?.state === 'ready') return Promise.resolve()
    if (this.current?.state === 'stopped') return Promise.reject(new RpcError(`the engine has stopped: ${this.current.message}`, 'engine-exited'))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        const seconds = Math.round(this.timeoutMs / 1000)
        reject(new RpcError(`the engine was not ready within ${seconds} s (${this.current?.message ?? 'starting'})`, 'engine-exited'))
      }, this.timeoutMs)
      this.waiters.add(waiter)
    })
  }

  private settle(error: RpcError | null): void {
    const waiters = [...this.waiters]
    this.waiters.clear()
    for (const waiter of waiters) error ? waiter.reject(error) : waiter.resolve()
  }
}
