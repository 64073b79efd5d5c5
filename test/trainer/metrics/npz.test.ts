import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeNpy, decodeNpyF32, decodeZip, encodeNpy, encodeZip } from '../../../src/trainer/metrics/npz'
import { fixtureDir } from './reference-inputs'

const numpyMu = [0.5, -1.25, 3.0]
const numpySigma = [2.0, 0.1, -0.3, 0.1, 1.5, 0.25, -0.3, 0.25, 0.75]

describe('npy', () => {
  it('writes the numpy 1.0 header, padded to 64 bytes, and reads it back', () => {
    const bytes = encodeNpy({ data: Float64Array.from([1, 2.5, -3]), shape: [3] })
    const headerLen = bytes[8] | (bytes[9] << 8)
    const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1')
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('\x93NUMPY\x01\x00')
    expect(header.trimEnd()).toBe("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }")
    expect(header.endsWith('\n')).toBe(true)
    expect((10 + headerLen) % 64).toBe(0)
    expect(bytes.length).toBe(10 + headerLen + 24)
    expect(decodeNpy(bytes)).toEqual({ data: Float64Array.from([1, 2.5, -3]), shape: [3] })
  })

  it('writes 2-D shapes as numpy does', () => {
    const bytes = encodeNpy({ data: new Float64Array(6), shape: [2, 3] })
    expect(Buffer.from(bytes).toString('latin1')).toContain("'shape': (2, 3), }")
    expect(() => encodeNpy({ data: new Float64Array(5), shape: [2, 3] })).toThrow(/needs 6/)
  })

  it('writes float32 rows as <f4 and reads them back without widening; a short array is refused', () => {
    const rows = Float32Array.from([0.1, -2.5, 3e-8, 7])
    const bytes = encodeNpy({ data: rows, shape: [2, 2] })
    expect(Buffer.from(bytes).toString('latin1')).toContain("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }")
    expect(decodeNpyF32(bytes)).toEqual({ data: rows, shape: [2, 2] })
    expect(decodeNpy(bytes).data).toEqual(Float64Array.from(rows))
    expect(() => decodeNpyF32(encodeNpy({ data: new Float64Array(2), shape: [2] }))).toThrow(/expected a float32/)
    expect(() => decodeNpyF32(bytes.subarray(0, bytes.length - 1))).toThrow(/shorter than its shape \[2, 2\]/)
  })
})

describe('npz (zip)', () => {
  it('round-trips stored entries and detects corruption', () => {
    const zip = encodeZip(new Map([['a.npy', Uint8Array.from([1, 2, 3])], ['b.txt', Buffer.from('hello')]]))
    const back = decodeZip(zip)
    expect([...back.keys()]).toEqual(['a.npy', 'b.txt'])
    expect([...back.get('a.npy')!]).toEqual([1, 2, 3])
    const broken = Uint8Array.from(zip)
    broken[30 + 'a.npy'.length] ^= 0xff
    expect(() => decodeZip(broken)).toThrow(/corrupt/)
  })

  it("reads numpy's own np.savez (zip64 extras) and np.savez_compressed (deflate, float32) files", () => {
    for (const file of ['numpy-stats.npz', 'numpy-stats-compressed.npz']) {
      const entries = decodeZip(readFileSync(`${fixtureDir}${file}`))
      const mu = decodeNpy(entries.get('mu.npy')!)
      const sigma = decodeNpy(entries.get('sigma.npy')!)
      expect(mu.shape).toEqual([3])
      expect([...mu.data]).toEqual(numpyMu)
      expect(sigma.shape).toEqual([3, 3])
      sigma.data.forEach((v, i) => expect(v).toBeCloseTo(numpySigma[i], 6))
    }
  })
})
