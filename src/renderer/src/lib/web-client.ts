// Web mode's `window.flowmo`: the protocol over a WebSocket to `flowmo serve` (/rpc, the session cookie carries the
// token), binary frames from src/shared/wire-frames.ts. Reconnects when the connection drops; the server restarts the engine.
import { trainerMethods, type EngineStateEvent, type TrainerApi, type TrainerEvents } from '../../../shared/protocol'
import { createClient, isPush, RpcError, type Bridge, type RpcClient, type RpcPort } from '../../../shared/rpc'
import { decodeFrame, encodeFrame } from '../../../shared/wire-frames'

/** The part of the browser's WebSocket used here (the `ws` package meets it too, for tests in Node).
 *  Handlers take `never` so that both event types fit; the ones set here read only `event.data`. */
export interface SocketLike {
  binaryType: string
  readonly readyState: number // 0 connecting, 1 open, 2 closing, 3 closed
  send(data: Uint8Array): void
  close(): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}

export interface WebClientOptions {
  readonly url: string // e.g. ws://127.0.0.1:7450/rpc (rpcUrlFor)
  readonly openSocket: (url: string) => SocketLike // browser: (url) => new WebSocket(url)
  readonly retryMs?: readonly [first: number, max: number] // reconnect backoff, default [250, 4000]
  readonly methods?: { readonly [method: string]: unknown } // the calls, keyed by name; default trainerMethods
}

export type WebClient = Bridge<TrainerApi, TrainerEvents> & { close(): void }

const failuresBeforeStopped = 6 // then the status says the server is gone (reconnecting goes on)

/** The RPC WebSocket URL for a page served by `flowmo serve`. */
export function rpcUrlFor(pageUrl: string): string {
  const page = new URL(pageUrl)
  return `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}/rpc`
}

/** One socket as an RpcPort: messages queue until it opens; each incoming frame is decoded once for all listeners. */
function socketPort(socket: SocketLike): RpcPort & { flush(): void } {
  const queue: Uint8Array[] = []
  const listeners = new Set<(message: unknown) => void>()
  socket.onmessage = (event: { data: unknown }) => {
    const message = decodeFrame(new Uint8Array(event.data as ArrayBuffer))
    for (const listener of listeners) listener(message)
  }
  return {
    postMessage(message) {
      const frame = encodeFrame(message)
      if (socket.readyState === 1) socket.send(frame)
      else queue.push(frame)
    },
    onMessage(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    flush: () => queue.splice(0).forEach((frame) => socket.send(frame)),
  }
}

const methodsOf = (options: WebClientOptions) => (options.methods ?? trainerMethods) as typeof trainerMethods

/** One RPC client per socket; a new socket (and client) after each drop, with backoff. Pushes go to `dispatch`. */
class Connection {
  client!: RpcClient<TrainerApi, TrainerEvents>
  private socket!: SocketLike
  private failures = 0
  private closed = false

  constructor(
    private readonly options: WebClientOptions,
    private readonly dispatch: (name: string, payload: unknown) => void,
  ) {
    this.open()
  }

  close(): void {
    this.closed = true
    this.socket.close()
  }

  private open(): void {
    const socket = this.options.openSocket(this.options.url)
    socket.binaryType = 'arraybuffer'
    const port = socketPort(socket)
    port.onMessage((message) => isPush(message) && this.dispatch(message.name, message.payload)) // replies: the client's
    const client = createClient<TrainerApi, TrainerEvents>(port, methodsOf(this.options))
    socket.onopen = () => {
      this.failures = 0
      port.flush()
    }
    socket.onclose = () => this.onClose(client)
    socket.onerror = () => {} // a close event follows every error; handled there (ws would throw without a handler)
    this.socket = socket
    this.client = client
  }

  private onClose(lost: RpcClient<TrainerApi, TrainerEvents>): void {
    lost.close(new RpcError('the connection to flowmo serve was lost', 'engine-exited'))
    if (this.closed) return
    this.failures++
    const state: EngineStateEvent =
      this.failures < failuresBeforeStopped
        ? { state: 'restarting', message: 'connection to flowmo serve lost; reconnecting…' }
        : { state: 'stopped', message: 'flowmo serve is not answering: is it running? (a restarted server prints a new URL)' }
    this.dispatch('engine:status', state)
    const [firstMs, maxMs] = this.options.retryMs ?? [250, 4000]
    setTimeout(() => this.open(), Math.min(maxMs, firstMs * 2 ** (this.failures - 1)))
  }
}

/** `window.flowmo` for web mode: every protocol call plus `on(event)`, over a reconnecting WebSocket. */
export function connectWebClient(options: WebClientOptions): WebClient {
  const listeners = new Map<string, Set<(payload: never) => void>>()
  const connection = new Connection(options, (name, payload) => {
    for (const listener of listeners.get(name) ?? []) listener(payload as never)
  })
  const call = (method: keyof TrainerApi) => (req: unknown) => (connection.client[method] as (req: unknown) => Promise<unknown>)(req)
  const calls = Object.fromEntries(Object.keys(methodsOf(options)).map((method) => [method, call(method as keyof TrainerApi)]))
  const on = (name: string, listener: (payload: never) => void) => {
    const set = listeners.get(name) ?? listeners.set(name, new Set()).get(name)!
    set.add(listener)
    return () => void set.delete(listener)
  }
  return { ...calls, on, close: () => connection.close() } as unknown as WebClient
}
