// One ipcMain.handle per TrainerApi call ('trainer:<name>'), each validated here before it reaches the engine,
// and the desktop bridge's native dialog ('desktop:pickFiles'). Only windows created by this app may call
// (as Electron Fiddle's src/main/ipc.ts checks).
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { callChannel, pickFilesChannel } from '../shared/ipc-channels'
import { trainerMethods, trainerSchemas, type TrainerApi } from '../shared/protocol'
import { checkCall, settle, type Outcome } from '../shared/rpc'
import { pickFiles, type ShowOpenDialog } from './pick-files'
import type { TrainerHost } from './trainer-host'

const unknownSender: Outcome = { ok: false, error: { message: 'unknown sender', code: 'forbidden' } }

/** Answers one renderer call with a plain Outcome (the preload turns it back into resolve / reject). */
export async function answerCall(host: Pick<TrainerHost, 'call'>, method: keyof TrainerApi, req: unknown): Promise<Outcome> {
  const refused = checkCall(trainerSchemas, { method, req })
  return refused ? { ok: false, error: refused } : settle(() => host.call(method, req))
}

function fromAppWindow(event: IpcMainInvokeEvent): boolean {
  // Only accept messages from BrowserWindows created by the app.
  return BrowserWindow.fromWebContents(event.sender) !== null
}

export function setupTrainerIpc(host: Pick<TrainerHost, 'call' | 'allowRoots'>): void {
  for (const method of Object.keys(trainerMethods) as (keyof TrainerApi)[]) {
    ipcMain.handle(callChannel(method), (event, req: unknown): Promise<Outcome> | Outcome =>
      fromAppWindow(event) ? answerCall(host, method, req) : unknownSender,
    )
  }
  ipcMain.handle(pickFilesChannel, (event, kind: unknown): Promise<Outcome> | Outcome => {
    const window = BrowserWindow.fromWebContents(event.sender)
    if (!window) return unknownSender
    const show: ShowOpenDialog = (options) => dialog.showOpenDialog(window, options)
    return settle(() => pickFiles(kind, show, (paths) => host.allowRoots(paths)))
  })
}
