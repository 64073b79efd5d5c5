// A stand-in for the parts of the `electron` module that main uses (the binary is not installed on CI).
import { EventEmitter } from 'node:events'

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = []
  constructor(readonly options: { env?: Record<string, string | undefined> } = {}) {
    super()
  }
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
export const appWindow = { webContents: appWindowContents }
/** What the next native open dialog answers, and the options each one was shown with. */
export const dialogFake = {
  answer: { canceled: true, filePaths: [] as string[] },
  shown: [] as { window: unknown; options: unknown }[],
}

export const electronFake = {
  utilityProcess: {
    fork: (_path: string, _args: string[], options: { env?: Record<string, string | undefined> }) => {
      const child = new FakeUtilityProcess(options)
      forked.push(child)
      return child
    },
  },
  BrowserWindow: {
    getAllWindows: () => [{ webContents: { send: (channel: string, payload: unknown) => sent.push({ channel, payload }) } }],
    fromWebContents: (contents: unknown) => (contents === appWindowContents ? appWindow : null),
  },
  dialog: {
    showOpenDialog: async (window: unknown, options: unknown) => {
      dialogFake.shown.push({ window, options })
      return dialogFake.answer
    },
  },
  ipcMain: { handle: (channel: string, handler: (event: { sender: unknown }, req: unknown) => unknown) => handlers.set(channel, handler) },
}
