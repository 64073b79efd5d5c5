// Preload: exposes `window.flowmo` (every TrainerApi call + `on(event)`) built from the protocol's key list, and
// `window.flowmoDesktop` (native open dialogs; not an engine call). Never exposes ipcRenderer.
// Bundled to CommonJS, as sandboxed preloads require.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { callChannel, pickFilesChannel, pushChannel } from '../shared/ipc-channels'
import type { DesktopBridge, PickKind, PickReport } from '../shared/payloads/desktop'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../shared/protocol'
import { isPush, type Bridge, type Outcome } from '../shared/rpc'

/** Rejections are plain { message, code } objects: contextBridge drops custom fields of Error objects. */
async function invoke(method: string, req: unknown): Promise<unknown> {
  return unwrap(await ipcRenderer.invoke(callChannel(method as keyof TrainerApi), req))
}

function unwrap(outcome: Outcome): unknown {
  if (outcome.ok) return outcome.value
  throw { message: outcome.error.message, code: outcome.error.code }
}

function on(name: string, listener: (payload: unknown) => void): () => void {
  const onPush = (_event: IpcRendererEvent, push: unknown) => {
    if (isPush(push) && push.name === name) listener(push.payload)
  }
  ipcRenderer.on(pushChannel, onPush)
  return () => void ipcRenderer.off(pushChannel, onPush)
}

const calls = Object.fromEntries(Object.keys(trainerMethods).map((method) => [method, (req: unknown) => invoke(method, req)]))
const bridge = { ...calls, on } as unknown as Bridge<TrainerApi, TrainerEvents>

const desktop: DesktopBridge = {
  pickFiles: async (kind: PickKind) => unwrap(await ipcRenderer.invoke(pickFilesChannel, kind)) as PickReport,
}

contextBridge.exposeInMainWorld('flowmo', bridge)
contextBridge.exposeInMainWorld('flowmoDesktop', desktop)
