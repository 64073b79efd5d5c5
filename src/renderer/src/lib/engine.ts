// The renderer's only door to the engine. `window.flowmo` comes from the Electron preload or, in web mode,
// from the WebSocket client, so nothing else in the renderer knows which one is underneath.
import type { TrainerApi, TrainerEvents } from '../../../shared/protocol'
import type { Bridge } from '../../../shared/rpc'

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

function connect(): Engine {
  if (!window.flowmo) throw new Error('no engine: window.flowmo is missing (start the app with `npm start` or `npx flowmo serve`)')
  return window.flowmo
}

export const engine: Engine = connect()
