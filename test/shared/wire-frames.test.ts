// Binary WebSocket frames for RPC messages: typed arrays and special numbers survive, forged frames are refused.
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameError } from '../../src/shared/wire-frames'

describe('wire frames', () => {
  it('round-trips plain data with typed arrays of every kind and special numbers', () => {
    const message = {
      kind: 'push',
      name: 'run:sample',
      payload: {
        pixels: Uint8Array.from([0, 127, 255]),
        code: Float32Array.from([1, -1, 0.5]),
        wide: Float64Array.from([Math.PI]),
        ids: BigInt64Array.from([-3n, 2n ** 40n]),
        shape: [2, 1, 3],
        losses: { rf: NaN, up: Infinity, down: -Infinity, zero: -0 },
        nested: [[Int16Array.from([-2])], null, 'text', true],
      },
    }
    const decoded = decodeFrame(encodeFrame(message))
    expect(decoded).toEqual(message)
    const payload = (decoded as typeof message).payload
    expect(payload.code).toBeInstanceOf(Float32Array)
    expect(payload.ids).toBeInstanceOf(BigInt64Array)
    expect(Object.is(payload.losses.zero, -0)).toBe(true)
    expect(payload.losses.rf).toBeNaN()
  })

  it('copies views at any offset, including Node Buffers, and gives each array its own buffer', () => {
    const backing = new Float32Array([9, 1, 2, 3, 9])
    const view = backing.subarray(1, 4)
    const decoded = decodeFrame(encodeFrame({ view, buffer: Buffer.from('hi') })) as { view: Float32Array; buffer: Uint8Array }
    expect(Array.from(decoded.view)).toEqual([1, 2, 3])
    expect(decoded.view.byteOffset).toBe(0)
    expect(decoded.view.buffer.byteLength).toBe(12)
    expect(decoded.buffer).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(decoded.buffer)).toBe('hi')
  })

  it('decodes frames whose bytes start at an unaligned offset (ws hands out pooled Buffers)', () => {
    const frame = encodeFrame({ a: Float64Array.from([1.5, -2]) })
    const pooled = new Uint8Array(frame.byteLength + 3)
    pooled.set(frame, 3)
    expect(decodeFrame(pooled.subarray(3))).toEqual({ a: Float64Array.from([1.5, -2]) })
    const buffer = Buffer.concat([Buffer.from('pool'), Buffer.from(encodeFrame({ b: Uint8Array.from([7, 8]) }))]).subarray(4)
    const decoded = decodeFrame(buffer) as { b: Uint8Array }
    expect(decoded.b).toEqual(Uint8Array.from([7, 8]))
    expect(decoded.b.buffer.byteLength).toBe(2) // its own buffer, not the pool behind a Buffer
  })

  it('drops undefined fields like JSON and refuses values structured clone would not carry here', () => {
    expect(decodeFrame(encodeFrame({ a: undefined, b: 1 }))).toEqual({ b: 1 })
    expect(() => encodeFrame({ f: () => 1 })).toThrow(FrameError)
    expect(() => encodeFrame({ big: 1n })).toThrow(/bigint/)
    expect(() => encodeFrame(new DataView(new ArrayBuffer(4)))).toThrow(/DataView/)
    expect(() => encodeFrame({ $typed: 'Uint8Array' })).toThrow(/reserved key/)
    expect(() => encodeFrame({ when: new Date(0) })).toThrow(/cannot send a Date/) // would silently become {}
    expect(() => encodeFrame(new Map())).toThrow(/cannot send a Map/)
    expect(decodeFrame(encodeFrame(Object.assign(Object.create(null), { a: 1 })))).toEqual({ a: 1 })
  })

  it('refuses forged or truncated frames with a FrameError', () => {
    const forged = (envelope: unknown, bodyBytes = 0) => {
      const json = new TextEncoder().encode(JSON.stringify(envelope))
      const frame = new Uint8Array(8 + json.byteLength + bodyBytes)
      new DataView(frame.buffer).setUint32(0, json.byteLength, true)
      frame.set(json, 4)
      return frame
    }
    expect(() => decodeFrame(new Uint8Array(2))).toThrow(FrameError)
    expect(() => decodeFrame(Uint8Array.from([255, 0, 0, 0, 1]))).toThrow(/past the end/)
    expect(() => decodeFrame(forged({ a: { $typed: 'Float32Array', at: 0, bytes: 4096 } }, 16))).toThrow(/out of bounds/)
    expect(() => decodeFrame(forged({ a: { $typed: 'Float32Array', at: 0, bytes: 3 } }, 16))).toThrow(/out of bounds/)
    expect(() => decodeFrame(forged({ a: { $typed: 'Function', at: 0, bytes: 0 } }))).toThrow(/unknown typed array/)
    expect(() => decodeFrame(forged({ a: { $number: 'pi' } }))).toThrow(/unknown number/)
    const notJson = Uint8Array.from([2, 0, 0, 0, 0x7b, 0xff])
    expect(() => decodeFrame(notJson)).toThrow(/UTF-8 JSON/)
  })
})
