// Typed RPC over any postMessage-style port: createClient<Api, Events>() calls, serve<Api, Events>() answers.
// Wire messages are the discriminated unions Call / Reply / Push; errors cross as { message, code }.
import type { Schema } from './schema'

/** The smallest port both sides need; adapters wrap parentPort, child_process, MessagePort, WebSocket. */
export interface RpcPort {
  postMessage(message: unknown): void
  onMessage(listener: (message: unknown) => void): () => void
}

export type Call = { readonly kind: 'call'; readonly id: number; readonly method: string; readonly req: unknown }
/** A settled call: what a Reply carries, and what main's IPC handlers return to the preload. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError }
export type Reply = { readonly kind: 'reply'; readonly id: number } & Outcome
export type Push<Events = Record<string, unknown>> = {
  [K in keyof Events & string]: { readonly kind: 'push'; readonly name: K; readonly payload: Events[K] }
}[keyof Events & string]

export interface WireError {
  readonly message: string
  readonly code: string // 'invalid-request' | 'unknown-method' | 'engine-exited' | 'internal' | call-specific codes
}

export class RpcError extends Error implements WireError {
  constructor(message: string, readonly code: string) {
    super(message)
    this.name = 'RpcError'
  }
}

export type Emit<Events> = <K extends keyof Events & string>(name: K, payload: Events[K]) => void
export type Listen<Events> = <K extends keyof Events & string>(name: K, listener: (payload: Events[K]) => void) => () => void

/** What the UI sees: every call plus `on(event, listener)` returning an unsubscribe function. */
export type Bridge<Api, Events> = Api & { readonly on: Listen<Events> }
export type RpcClient<Api, Events> = Bridge<Api, Events> & { close(reason: RpcError): void }

export type RequestOf<Api, K extends keyof Api> = Api[K] extends (req: infer R) => unknown ? R : never
/** One request schema per call; a missing call is a compile error. */
export type Schemas<Api> = { readonly [K in keyof Api]: Schema<RequestOf<Api, K>> }

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
export const isReply = (m: unknown): m is Reply => isRecord(m) && m.kind === 'reply' && typeof m.id === 'number'
export const isPush = (m: unknown): m is Push => isRecord(m) && m.kind === 'push' && typeof m.name === 'string'
const isCall = (m: unknown): m is Call => isRecord(m) && m.kind === 'call' && typeof m.id === 'number' && typeof m.method === 'string'

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { message: error.message, code: typeof code === 'string' ? code : 'internal' }
  }
  return { message: String(error), code: 'internal' }
}

/** A sender for events, for the serving side (the engine owns it and hands it to its service). */
export function pushTo<Events>(port: RpcPort): Emit<Events> {
  return (name, payload) => port.postMessage({ kind: 'push', name, payload })
}

/** Client: `methods` is keyed by the calls (trainerMethods, or the schemas); unknown names are not callable. */
export function createClient<Api, Events>(port: RpcPort, methods: { readonly [K in keyof Api]: unknown }): RpcClient<Api, Events> {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: RpcError): void }>()
  const listeners = new Map<string, Set<(payload: never) => void>>()
  let nextId = 1
  let closed: RpcError | null = null
  const stop = port.onMessage((message) => {
    if (isReply(message)) {
      const call = pending.get(message.id)
      pending.delete(message.id)
      if (message.ok) call?.resolve(message.value)
      else call?.reject(new RpcError(message.error.message, message.error.code))
    } else if (isPush(message)) {
      for (const listener of listeners.get(message.name) ?? []) listener(message.payload as never)
    }
  })
  const call = (method: string, req: unknown) =>
    new Promise((resolve, reject) => {
      if (closed) return reject(closed)
      const id = nextId++
      pending.set(id, { resolve, reject })
      port.postMessage({ kind: 'call', id, method, req } satisfies Call)
    })
  const on = (name: string, listener: (payload: never) => void) => {
    const set = listeners.get(name) ?? listeners.set(name, new Set()).get(name)!
    set.add(listener)
    return () => void set.delete(listener)
  }
  const close = (reason: RpcError) => {
    closed = reason
    stop()
    for (const call of pending.values()) call.reject(reason)
    pending.clear()
  }
  const api = Object.fromEntries(Object.keys(methods).map((m) => [m, (req: unknown) => call(m, req)]))
  return { ...api, on, close } as unknown as RpcClient<Api, Events>
}

/** Server: validates each call against its schema, runs it, replies; never throws on bad input. */
export function serve<Api extends object>(port: RpcPort, impl: Api, schemas: Schemas<Api>): () => void {
  return port.onMessage(async (message) => {
    if (!isCall(message)) return // not ours: other traffic may share the port
    const refused = checkCall(schemas as Record<string, Schema<unknown>>, message)
    const method = (impl as Record<string, (req: unknown) => Promise<unknown>>)[message.method]
    const outcome = refused ? { ok: false as const, error: refused } : await settle(() => method.call(impl, message.req))
    port.postMessage({ kind: 'reply', id: message.id, ...outcome } satisfies Reply)
  })
}

/** Runs a call and captures its result or error as plain data. */
export async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: toWireError(error) }
  }
}

/** Why a call is refused, or null. Shared by serve() and main's IPC handlers. */
export function checkCall(schemas: Record<string, Schema<unknown>>, call: { method: string; req: unknown }): WireError | null {
  if (!Object.hasOwn(schemas, call.method)) return { message: `unknown method "${call.method}"`, code: 'unknown-method' }
  const reason = schemas[call.method].check(call.req, `${call.method}(req)`)
  return reason ? { message: reason, code: 'invalid-request' } : null
}
