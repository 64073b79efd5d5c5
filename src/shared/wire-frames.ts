// RPC messages as single binary WebSocket frames (web mode): a JSON envelope where typed arrays and
// non-finite numbers stand as placeholders, followed by the arrays' bytes. Keeps what structured clone keeps.
//
// frame = [u32 LE: envelope byte length][envelope: UTF-8 JSON][pad to 8][array 0 bytes][pad to 8][array 1 bytes]…
// placeholders: { "$typed": "Float32Array", "at": <byte offset after the envelope>, "bytes": <byte length> }
//               { "$number": "NaN" | "Infinity" | "-Infinity" | "-0" }

const typedArrays = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const
type TypedArrayName = keyof typeof typedArrays
type TypedArray = InstanceType<(typeof typedArrays)[TypedArrayName]>

const markers = ['$typed', '$number'] as const
const alignBytes = 8

/** Why a frame could not be encoded or decoded (wrong shape, forged offsets, unsupported values). */
export class FrameError extends Error {
  override readonly name = 'FrameError'
}

/** One message → one binary frame. Plain objects, arrays, strings, numbers, booleans, null and typed arrays. */
export function encodeFrame(message: unknown): Uint8Array {
  const blobs: Uint8Array[] = []
  let nextAt = 0
  const replace = (value: unknown): unknown => {
    if (typeof value === 'number') return numberPlaceholder(value) ?? value
    if (typeof value !== 'object' || value === null) return plainScalar(value)
    if (ArrayBuffer.isView(value)) {
      const name = typedArrayName(value)
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      const at = nextAt
      blobs.push(bytes)
      nextAt = align(at + bytes.byteLength)
      return { $typed: name, at, bytes: bytes.byteLength }
    }
    if (Array.isArray(value)) return value.map(replace)
    if (!isPlainObject(value)) throw new FrameError(`cannot send a ${value.constructor?.name ?? 'non-plain object'} (plain objects only)`)
    if (markers.some((m) => Object.hasOwn(value, m))) throw new FrameError(`cannot send an object with a reserved key (${markers.join(', ')})`)
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, replace(v)]))
  }
  const envelope = new TextEncoder().encode(JSON.stringify(replace(message)))
  const start = align(4 + envelope.byteLength)
  const frame = new Uint8Array(start + nextAt)
  new DataView(frame.buffer).setUint32(0, envelope.byteLength, true)
  frame.set(envelope, 4)
  let at = start
  for (const blob of blobs) {
    frame.set(blob, at)
    at = align(at + blob.byteLength)
  }
  return frame
}

/** The inverse of encodeFrame; every typed array gets its own buffer. Throws FrameError on a malformed frame. */
export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new FrameError('frame too short')
  const envelopeBytes = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true)
  if (4 + envelopeBytes > frame.byteLength) throw new FrameError('envelope length past the end of the frame')
  let envelope: unknown
  try {
    envelope = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + envelopeBytes)))
  } catch {
    throw new FrameError('envelope is not UTF-8 JSON')
  }
  const body = frame.subarray(Math.min(frame.byteLength, align(4 + envelopeBytes)))
  return revive(envelope, body)
}

function revive(value: unknown, body: Uint8Array): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((v) => revive(v, body))
  const record = value as Record<string, unknown>
  if (Object.hasOwn(record, '$typed')) return typedArrayAt(record, body)
  if (Object.hasOwn(record, '$number')) return specialNumber(record.$number)
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v, body)]))
}

function typedArrayAt(placeholder: Record<string, unknown>, body: Uint8Array): TypedArray {
  const { $typed: name, at, bytes } = placeholder
  if (typeof name !== 'string' || !Object.hasOwn(typedArrays, name)) throw new FrameError(`unknown typed array ${String(name)}`)
  const ctor = typedArrays[name as TypedArrayName]
  const valid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0
  if (!valid(at) || !valid(bytes) || at + bytes > body.byteLength || bytes % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new FrameError(`typed array placeholder out of bounds (at ${String(at)}, ${String(bytes)} bytes of ${body.byteLength})`)
  }
  const copy = new Uint8Array(bytes) // not body.slice: on a Node Buffer (ws hands those out) slice is a view
  copy.set(body.subarray(at, at + bytes))
  return new ctor(copy.buffer)
}

function numberPlaceholder(value: number): { $number: string } | null {
  if (Number.isNaN(value)) return { $number: 'NaN' }
  if (value === Infinity || value === -Infinity) return { $number: String(value) }
  if (Object.is(value, -0)) return { $number: '-0' }
  return null
}

function specialNumber(tag: unknown): number {
  const numbers: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 }
  if (typeof tag !== 'string' || !Object.hasOwn(numbers, tag)) throw new FrameError(`unknown number placeholder ${String(tag)}`)
  return numbers[tag]
}

function plainScalar(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (value === undefined) return null // as JSON does inside arrays; object fields that are undefined are dropped
  throw new FrameError(`cannot send a ${typeof value}`)
}

function typedArrayName(view: ArrayBufferView): TypedArrayName {
  const name = Object.prototype.toString.call(view).slice(8, -1) // the typed array kind, also for subclasses (Buffer)
  if (Object.hasOwn(typedArrays, name)) return name as TypedArrayName
  throw new FrameError(`cannot send a ${name} (only typed arrays)`)
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const align = (n: number): number => Math.ceil(n / alignBytes) * alignBytes
