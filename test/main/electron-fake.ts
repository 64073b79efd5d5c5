// A stand-in for the parts of the `electron` module that main uses (the binary is not installed on CI).
import { EventEmitter } from 'node:events'

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = []
  killed = false
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  kill(): boolean {
    this.killed = true
    this.emit('exit', 0)
    return true
  }
}

export const forked: FakeUtilityProcess[] = []
export const sent: { channel: string; payload: unknown }[] = []
export const handlers = new Map<string, (event: { sender: unknown }, req: unknown) => unknown>()
export const appWindowContents = { id: 1 }

export const electronFake = {
  utilityProcess: {
    fork: () => {
      const child = new FakeUtilityProcess()
      forked.push(child)
      return child
    },
  },
  BrowserWindow: {
    getAllWindows: () => [{ webContents: { send: (channel: string, payload: unknown) => sent.push({ channel, payload }) } }],
    fromWebContents: (contents: unknown) => (contents === appWindowContents ? {} : null),
  },
  ipcMain: { handle: (channel: string, handler: (event: { sender: unknown }, req: unknown) => unknown) => handlers.set(channel, handler) },
}
