// The renderer's only door to the engine. `window.flowmo` comes from the Electron preload or, in web mode,
// from the WebSocket client, so nothing else in the renderer knows which one is underneath.
import type { TrainerApi, TrainerEvents } from '../../../shared/protocol'
import type { Bridge } from '../../../shared/rpc'
import { connectWebClient, rpcUrlFor } from './web-client'

export type Engine = Bridge<TrainerApi, TrainerEvents>

/** A call's rejection as it arrives here: { message, code } from either transport. */
export interface EngineError {
  readonly message: string
  readonly code: string
}

export function describeError(error: unknown): string {
  const { message, code } = (error ?? {}) as Partial<EngineError>
  return message ? (code ? `${message} (${code})` : message) : String(error)
}

/** The preload's bridge in Electron; in a browser, a WebSocket client to the `flowmo serve` that sent this page. */
function connect(): Engine {
  if (!window.flowmo) forgetTokenInUrl()
  window.flowmo ??= connectWebClient({ url: rpcUrlFor(location.href), openSocket: (url) => new WebSocket(url) })
  return window.flowmo
}

/** Web mode: the server moved the access token into an HttpOnly cookie; keep it out of the history and screenshots. */
function forgetTokenInUrl(): void {
  const url = new URL(location.href)
  if (!url.searchParams.has('token')) return
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url)
}

export const engine: Engine = connect()
