// Main's IPC handlers: one per TrainerApi call, sender check, validation before the engine, errors as data.
import { describe, expect, it, vi } from 'vitest'
import { trainerMethods } from '../../src/shared/protocol'
import { RpcError } from '../../src/shared/rpc'
import { appWindowContents, electronFake, handlers } from './electron-fake'

vi.mock('electron', () => electronFake)
const { setupTrainerIpc } = await import('../../src/main/ipc')

describe('setupTrainerIpc', () => {
  const calls: [string, unknown][] = []
  const host = {
    call: async (method: string, req: unknown) => {
      calls.push([method, req])
      if (method === 'cancelJob') throw new RpcError('no such job', 'not-found')
      return { method }
    },
  }
  setupTrainerIpc(host as never)
  const invoke = (method: string, req: unknown, sender: unknown = appWindowContents) => handlers.get(`trainer:${method}`)!({ sender }, req)

  it('registers one handler per call', () => {
    expect([...handlers.keys()].sort()).toEqual(Object.keys(trainerMethods).map((m) => `trainer:${m}`).sort())
  })

  it('forwards valid calls and returns the value', async () => {
    expect(await invoke('echo', { text: 'x' })).toEqual({ ok: true, value: { method: 'echo' } })
    expect(calls.at(-1)).toEqual(['echo', { text: 'x' }])
  })

  it('refuses invalid payloads before they reach the engine', async () => {
    const before = calls.length
    expect(await invoke('demoJob', { steps: -1, stepMs: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(calls.length).toBe(before)
  })

  it('refuses senders that are not app windows', async () => {
    expect(await invoke('status', undefined, { id: 99 })).toEqual({ ok: false, error: { message: 'unknown sender', code: 'forbidden' } })
  })

  it('returns engine errors as { message, code }', async () => {
    expect(await invoke('cancelJob', { jobId: 'x' })).toEqual({ ok: false, error: { message: 'no such job', code: 'not-found' } })
  })
})
