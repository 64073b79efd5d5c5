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
}

export interface WebClientOptions {
  readonly url: string // e.g. ws://127.0.0.1:7450/rpc (rpcUrlFor)
  readonly openSocket: (url: string) => SocketLike // browser: (url) => new WebSocket(url)
  readonly retryMs?: readonly [first: number, max: number] // reconnect backoff, default [250, 4000]
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

export function connectWebClient(options: WebClientOptions): WebClient {
  const [firstRetryMs, maxRetryMs] = options.retryMs ?? [250, 4000]
  const listeners = new Map<string, Set<(payload: never) => void>>()
  let client: RpcClient<TrainerApi, TrainerEvents>
  let socket: SocketLike
  let failures = 0
  let closed = false

  const dispatch = (name: string, payload: unknown) => {
    for (const listener of listeners.get(name) ?? []) listener(payload as never)
  }
  const announce = (event: EngineStateEvent) => dispatch('engine:status', event)

  const open = () => {
    socket = options.openSocket(options.url)
    socket.binaryType = 'arraybuffer'
    const port = socketPort(socket)
    port.onMessage((message) => isPush(message) && dispatch(message.name, message.payload)) // replies: the client's own listener
    client = createClient<TrainerApi, TrainerEvents>(port, trainerMethods)
    socket.onopen = () => {
      failures = 0
      port.flush()
    }
    socket.onclose = () => onClose(client)
  }

  const onClose = (lost: RpcClient<TrainerApi, TrainerEvents>) => {
    lost.close(new RpcError('the connection to flowmo serve was lost', 'engine-exited'))
    if (closed) return
    failures++
    announce(
      failures < failuresBeforeStopped
        ? { state: 'restarting', message: 'connection to flowmo serve lost; reconnecting…' }
        : { state: 'stopped', message: 'flowmo serve is not answering: is it running? (a restarted server prints a new URL)' },
    )
    setTimeout(open, Math.min(maxRetryMs, firstRetryMs * 2 ** Math.max(0, failures - 1)))
  }

  open()
  const calls = Object.fromEntries(
    Object.keys(trainerMethods).map((method) => [method, (req: unknown) => (client[method as keyof TrainerApi] as (req: unknown) => Promise<unknown>)(req)]),
  )
  const on = (name: string, listener: (payload: never) => void) => {
    const set = listeners.get(name) ?? listeners.set(name, new Set()).get(name)!
    set.add(listener)
    return () => void set.delete(listener)
  }
  const close = () => {
    closed = true
    socket.close()
  }
  return { ...calls, on, close } as unknown as WebClient
}
