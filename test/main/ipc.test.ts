// Main's IPC handlers: one per TrainerApi call, sender check, validation before the engine, errors as data; the
// native open dialog (a fake) whose choice is granted to the engine before the renderer gets it.
import { describe, expect, it, vi } from 'vitest'
import { trainerMethods } from '../../src/shared/protocol'
import { RpcError } from '../../src/shared/rpc'
import { appWindow, appWindowContents, dialogFake, electronFake, handlers } from './electron-fake'

vi.mock('electron', () => electronFake)
const { setupTrainerIpc } = await import('../../src/main/ipc')

describe('setupTrainerIpc', () => {
  const calls: [string, unknown][] = []
  const grants: string[][] = []
  const host = {
    allowRoots: async (paths: string[]) => {
      grants.push(paths)
      if (paths.includes('/gone')) throw new RpcError('cannot allow /gone: it does not exist', 'not-found')
      return paths.map((p) => `/real${p}`)
    },
    call: async (method: string, req: unknown) => {
      calls.push([method, req])
      if (method === 'cancelJob') throw new RpcError('no such job', 'not-found')
      return { method }
    },
  }
  setupTrainerIpc(host as never)
  const invoke = (method: string, req: unknown, sender: unknown = appWindowContents) => handlers.get(`trainer:${method}`)!({ sender }, req)

  it('registers one handler per call', () => {
    expect([...handlers.keys()].sort()).toEqual([...Object.keys(trainerMethods).map((m) => `trainer:${m}`), 'desktop:pickFiles'].sort())
  })

  it('forwards valid calls and returns the value', async () => {
    expect(await invoke('stopRun', { runId: 'x' })).toEqual({ ok: true, value: { method: 'stopRun' } })
    expect(calls.at(-1)).toEqual(['stopRun', { runId: 'x' }])
  })

  it('refuses invalid payloads before they reach the engine', async () => {
    const before = calls.length
    expect(await invoke('cancelJob', { jobId: 5 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(calls.length).toBe(before)
  })

  it('refuses senders that are not app windows', async () => {
    expect(await invoke('status', undefined, { id: 99 })).toEqual({ ok: false, error: { message: 'unknown sender', code: 'forbidden' } })
  })

  it('returns engine errors as { message, code }', async () => {
    expect(await invoke('cancelJob', { jobId: 'x' })).toEqual({ ok: false, error: { message: 'no such job', code: 'not-found' } })
  })

  const pick = (kind: unknown, sender: unknown = appWindowContents) => handlers.get('desktop:pickFiles')!({ sender }, kind)

  it('shows the native dialog for the kind, grants the choice to the engine and returns the granted paths', async () => {
    dialogFake.answer = { canceled: false, filePaths: ['/photos/a.jpg', '/photos/b.png'] }
    expect(await pick('images')).toEqual({ ok: true, value: { paths: ['/real/photos/a.jpg', '/real/photos/b.png'] } })
    expect(grants.at(-1)).toEqual(['/photos/a.jpg', '/photos/b.png'])
    const shown = dialogFake.shown.at(-1)!
    expect(shown.window).toBe(appWindow)
    expect(shown.options).toMatchObject({ properties: ['openFile', 'multiSelections'] })
    dialogFake.answer = { canceled: false, filePaths: ['/exports/tiny'] }
    expect(await pick('onnx-folder')).toEqual({ ok: true, value: { paths: ['/real/exports/tiny'] } })
    expect(dialogFake.shown.at(-1)!.options).toMatchObject({ properties: ['openDirectory'] })
  })

  it('grants nothing when the dialog is cancelled', async () => {
    const before = grants.length
    dialogFake.answer = { canceled: true, filePaths: [] }
    expect(await pick('checkpoint')).toEqual({ ok: true, value: { paths: [] } })
    expect(grants.length).toBe(before)
  })

  it('refuses unknown kinds and senders, and reports a refused grant', async () => {
    const shownBefore = dialogFake.shown.length
    expect(await pick('anything')).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(await pick('images', { id: 99 })).toEqual({ ok: false, error: { message: 'unknown sender', code: 'forbidden' } })
    expect(dialogFake.shown.length).toBe(shownBefore)
    dialogFake.answer = { canceled: false, filePaths: ['/gone'] }
    expect(await pick('config')).toMatchObject({ ok: false, error: { code: 'not-found' } })
  })
})
