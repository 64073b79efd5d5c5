// `window.flowmo`, derived from the protocol (never hand-listed). Provided by the preload in Electron
// and by the WebSocket client in web mode; the renderer reaches it only through src/renderer/src/lib/engine.ts.
import type { TrainerApi, TrainerEvents } from '../shared/protocol'
import type { DesktopBridge } from '../shared/payloads/desktop'
import type { Bridge } from '../shared/rpc'

declare global {
  interface Window {
    flowmo?: Bridge<TrainerApi, TrainerEvents>
    flowmoDesktop?: DesktopBridge // Electron only: native open dialogs
  }
}

export {}
