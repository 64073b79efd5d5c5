// One ipcMain.handle per TrainerApi call ('trainer:<name>'), each validated here before it reaches the engine.
// Only windows created by this app may call (as Electron Fiddle's src/main/ipc.ts checks).
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { callChannel } from '../shared/ipc-channels'
import { trainerMethods, trainerSchemas, type TrainerApi } from '../shared/protocol'
import { checkCall, settle, type Outcome } from '../shared/rpc'
import type { TrainerHost } from './trainer-host'

/** Answers one renderer call with a plain Outcome (the preload turns it back into resolve / reject). */
export async function answerCall(host: Pick<TrainerHost, 'call'>, method: keyof TrainerApi, req: unknown): Promise<Outcome> {
  const refused = checkCall(trainerSchemas, { method, req })
  return refused ? { ok: false, error: refused } : settle(() => host.call(method, req))
}

function fromAppWindow(event: IpcMainInvokeEvent): boolean {
  // Only accept messages from BrowserWindows created by the app.
  return BrowserWindow.fromWebContents(event.sender) !== null
}

export function setupTrainerIpc(host: TrainerHost): void {
  for (const method of Object.keys(trainerMethods) as (keyof TrainerApi)[]) {
    ipcMain.handle(callChannel(method), (event, req: unknown): Promise<Outcome> | Outcome =>
      fromAppWindow(event) ? answerCall(host, method, req) : { ok: false, error: { message: 'unknown sender', code: 'forbidden' } },
    )
  }
}
