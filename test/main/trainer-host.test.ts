// The engine host with a fake utility process: calls reach the engine, pushes reach every window,
// a crash rejects pending calls and restarts the engine, a deliberate stop does not.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { electronFake, forked, sent } from './electron-fake'

vi.mock('electron', () => electronFake)
const { TrainerHost } = await import('../../src/main/trainer-host')

describe('TrainerHost', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    forked.length = 0
    sent.length = 0
  })
  afterEach(() => vi.useRealTimers())

  it('forwards calls and relays engine pushes to windows', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    const pending = host.call('echo', { text: 'hi' })
    const call = forked[0].posted[0] as { id: number; method: string }
    expect(call).toMatchObject({ kind: 'call', method: 'echo', req: { text: 'hi' } })
    forked[0].emit('message', { kind: 'reply', id: call.id, ok: true, value: 'pong' })
    expect(await pending).toBe('pong')
    const push = { kind: 'push', name: 'job:progress', payload: { jobId: 'j', done: 1, total: 2, message: '' } }
    forked[0].emit('message', push)
    expect(sent).toEqual([{ channel: 'trainer:push', payload: push }])
  })

  it('restarts after a crash and tells the windows', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    const pending = host.call('status', undefined)
    forked[0].emit('exit', 134)
    await expect(pending).rejects.toMatchObject({ code: 'engine-exited' })
    expect(sent[0].payload).toMatchObject({ name: 'engine:status', payload: { state: 'restarting' } })
    await expect(host.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited' })
    vi.advanceTimersByTime(1000)
    expect(forked).toHaveLength(2)
    const next = host.call('status', undefined)
    const call = forked[1].posted[0] as { id: number }
    forked[1].emit('message', { kind: 'reply', id: call.id, ok: true, value: 'ok' })
    expect(await next).toBe('ok')
  })

  it('gives up after repeated crashes and does not restart after stop()', () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    for (let i = 0; i < 4; i++) {
      forked[forked.length - 1].emit('exit', 1)
      vi.advanceTimersByTime(10_000)
    }
    expect(forked).toHaveLength(4)
    expect(sent.at(-1)?.payload).toMatchObject({ payload: { state: 'stopped' } })
    const quiet = new TrainerHost('/engine.js')
    quiet.start()
    quiet.stop()
    vi.advanceTimersByTime(10_000)
    expect(forked).toHaveLength(5)
  })
})
