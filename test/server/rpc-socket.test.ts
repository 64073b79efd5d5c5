// One browser connection on its own: the engine's state on connect, binary frames only, heartbeat for vanished peers.
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { WebSocket } from 'ws'
import type { EngineLink, EnginePush } from '../../src/server/engine-supervisor'
import { trainerSchemas } from '../../src/shared/protocol'
import { attachRpcSocket } from '../../src/server/rpc-socket'
import { decodeFrame, encodeFrame } from '../../src/shared/wire-frames'

/** Just enough of a ws WebSocket: records what the server sends and does. */
class RecordingSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  readonly sent: unknown[] = []
  readonly actions: string[] = []
  send(frame: Uint8Array) {
    this.sent.push(decodeFrame(frame))
  }
  ping() {
    this.actions.push('ping')
  }
  terminate() {
    this.actions.push('terminate')
    this.emit('close')
  }
  close(code: number) {
    this.actions.push(`close ${code}`)
    this.emit('close')
  }
}

const ready = { state: 'ready', message: 'engine ready' } as const
const engine: EngineLink = { schemas: trainerSchemas, call: async (method, req) => ({ method, req }), onPush: () => () => {}, state: ready }

describe('attachRpcSocket', () => {
  afterEach(() => void vi.useRealTimers())

  it("greets with the engine's state and answers calls", async () => {
    const socket = new RecordingSocket()
    attachRpcSocket(socket as unknown as WebSocket, engine)
    expect(socket.sent).toEqual([{ kind: 'push', name: 'engine:status', payload: ready } satisfies EnginePush])
    socket.emit('message', Buffer.from(encodeFrame({ kind: 'call', id: 4, method: 'cancelJob', req: { jobId: 'a' } })), true)
    await vi.waitFor(() => expect(socket.sent).toHaveLength(2))
    expect(socket.sent[1]).toEqual({ kind: 'reply', id: 4, ok: true, value: { method: 'cancelJob', req: { jobId: 'a' } } })
  })

  it('turns a reply that cannot cross into an internal error reply', async () => {
    const socket = new RecordingSocket()
    attachRpcSocket(socket as unknown as WebSocket, { ...engine, call: async () => ({ when: new Date(0) }) })
    socket.emit('message', Buffer.from(encodeFrame({ kind: 'call', id: 5, method: 'status', req: undefined })), true)
    await vi.waitFor(() => expect(socket.sent).toHaveLength(2))
    expect(socket.sent[1]).toMatchObject({ kind: 'reply', id: 5, ok: false, error: { code: 'internal', message: expect.stringMatching(/cannot send a Date/) } })
  })

  it('closes on text frames (1003)', () => {
    const socket = new RecordingSocket()
    attachRpcSocket(socket as unknown as WebSocket, engine)
    socket.emit('message', Buffer.from('{"kind":"call"}'), false)
    expect(socket.actions).toEqual(['close 1003'])
  })

  it('pings every 30 s and drops a peer that stopped answering', () => {
    vi.useFakeTimers()
    const answering = new RecordingSocket()
    const silent = new RecordingSocket()
    attachRpcSocket(answering as unknown as WebSocket, engine)
    attachRpcSocket(silent as unknown as WebSocket, engine)
    for (let beat = 0; beat < 3; beat++) {
      vi.advanceTimersByTime(30_000)
      answering.emit('pong')
    }
    expect(answering.actions).toEqual(['ping', 'ping', 'ping'])
    expect(silent.actions).toEqual(['ping', 'terminate'])
  })
})
