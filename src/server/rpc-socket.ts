// One browser connection: RPC calls arrive as binary frames (src/shared/wire-frames.ts), are validated against the
// engine's schemas (as main's IPC handlers do) and forwarded to the engine; every engine event goes back out.
import type { RawData, WebSocket } from 'ws'
import type { TrainerApi } from '../shared/protocol'
import { checkCall, isRecord, settle, type Outcome, type Reply } from '../shared/rpc'
import { decodeFrame, encodeFrame, FrameError } from '../shared/wire-frames'
import type { EngineLink, EnginePush } from './engine-supervisor'

const unsupportedData = 1003 // WebSocket close codes (RFC 6455 §7.4.1)
const invalidPayload = 1007
const heartbeatMs = 30_000 // a vanished peer (sleeping laptop, dropped tunnel) is dropped within two beats

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

/** Answers one decoded message; anything but a well-formed call gets an 'invalid-request' reply or is dropped. */
async function answer(engine: EngineLink, message: unknown): Promise<Reply | null> {
  if (!isRecord(message) || message.kind !== 'call' || typeof message.id !== 'number') return null
  const call = { method: String(message.method), req: message.req }
  const refused = checkCall(engine.schemas, call)
  const outcome: Outcome = refused ? { ok: false, error: refused } : await settle(() => engine.call(call.method as keyof TrainerApi, call.req))
  return { kind: 'reply', id: message.id, ...outcome }
}

/** The frame for one outgoing message. A reply that cannot be encoded becomes an 'internal' error reply;
 *  such an event is dropped with a line on stderr (the engine should send plain data only). */
function frameOf(message: Reply | EnginePush): Uint8Array | null {
  try {
    return encodeFrame(message)
  } catch (error) {
    const reason = (error as Error).message
    if (message.kind === 'reply') return encodeFrame({ kind: 'reply', id: message.id, ok: false, error: { message: `the reply cannot be sent: ${reason}`, code: 'internal' } })
    console.error(`flowmo serve: event ${message.name} dropped: ${reason}`)
    return null
  }
}

/** Serves the protocol on `socket` until it closes. */
export function attachRpcSocket(socket: WebSocket, engine: EngineLink): void {
  const send = (message: Reply | EnginePush) => {
    const frame = socket.readyState === socket.OPEN ? frameOf(message) : null
    if (frame) socket.send(frame)
  }
  const stop = engine.onPush(send)
  let alive = true
  socket.on('pong', () => (alive = true))
  const beat = setInterval(() => (alive ? ((alive = false), socket.ping()) : socket.terminate()), heartbeatMs)
  socket.on('close', () => (stop(), clearInterval(beat)))
  if (engine.state) send({ kind: 'push', name: 'engine:status', payload: engine.state })
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return socket.close(unsupportedData, 'binary frames only')
    let message: unknown
    try {
      message = decodeFrame(bytesOf(data))
    } catch (error) {
      return socket.close(invalidPayload, (error instanceof FrameError ? error.message : 'malformed frame').slice(0, 120)) // close reasons ≤ 123 bytes
    }
    void answer(engine, message).then((reply) => reply && send(reply))
  })
}
