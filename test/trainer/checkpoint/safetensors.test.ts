// safetensors reader/writer: round trips, the golden tiny-a/tiny-b weights (checked against values numpy read),
// and refusal of truncated, oversized-header and overlapping files.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CheckpointError } from '../../../src/trainer/checkpoint/checkpoint-error'
import { SafetensorsFile, writeSafetensors } from '../../../src/trainer/checkpoint/safetensors'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import probes from '../../fixtures/checkpoint/golden-probes.json'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-st-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A safetensors file from a header object and data bytes, with no validation (for hostile cases). */
function rawSafetensors(name: string, header: object, data: Uint8Array, lengthOverride?: bigint): string {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  const path = join(dir, name)
  writeFileSync(path, out)
  return path
}

describe('writeSafetensors → SafetensorsFile', () => {
  it('round-trips F32 exactly, keeps order and metadata, pads the header to 8 bytes', async () => {
    const path = join(dir, 'rt.safetensors')
    const b = new Float32Array([1.5, -2.25, 3e-8, Math.PI, -0, 65504, 7, 8, 9, 10, 11, 12])
    await writeSafetensors(path, [
      { name: 'z.last', shape: [3], dtype: 'F32', data: new Float32Array([1, 2, 3]) },
      { name: '10', shape: [3, 4], dtype: 'F32', data: b },
      { name: 'a.scalar', shape: [], dtype: 'F32', data: new Float32Array([42]) },
    ], { format: 'pt', total_steps: '500' })
    const headerLength = readFileSync(path).readBigUInt64LE(0)
    expect(Number(headerLength) % 8).toBe(0)
    const st = await SafetensorsFile.open(path)
    expect(st.header.entries.map((e) => e.name)).toEqual(['z.last', '10', 'a.scalar'])
    expect(st.header.metadata).toEqual({ format: 'pt', total_steps: '500' })
    expect(st.entry('10').shape).toEqual([3, 4])
    expect(Array.from(await st.readTensor('10'))).toEqual(Array.from(b))
    expect(Array.from(await st.readTensor('a.scalar'))).toEqual([42])
    await st.close()
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([])
  })

  it('writes F16 with round-to-nearest-even and reads it back as float32', async () => {
    const path = join(dir, 'f16.safetensors')
    const values = [0, 1, -2, 0.5, 65504, 1 / 3, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 1e6]
    await writeSafetensors(path, [{ name: 'h', shape: [values.length], dtype: 'F16', data: new Float32Array(values) }])
    const st = await SafetensorsFile.open(path)
    expect(st.entry('h').dataOffsets).toEqual([0, values.length * 2])
    const got = Array.from(await st.readTensor('h'))
    await st.close()
    // 1+2^-11 is a tie → even (1); 1+3·2^-11 is a tie → even (1+2^-9); 1e6 overflows to +Inf
    expect(got).toEqual([0, 1, -2, 0.5, 65504, 0.333251953125, 1, 1 + 2 ** -9, 2 ** -24, Infinity])
  })

  it('reads BF16 and I64 tensors into float32', async () => {
    const bf16 = new Uint16Array([0x3f80, 0xc000, 0x3e80]) // 1, -2, 0.25
    const i64 = new BigInt64Array([-3n, 5n])
    const data = new Uint8Array(6 + 16)
    data.set(new Uint8Array(bf16.buffer), 0)
    data.set(new Uint8Array(i64.buffer), 6)
    const path = rawSafetensors('mixed.safetensors', {
      b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] },
      i: { dtype: 'I64', shape: [2], data_offsets: [6, 22] },
    }, data)
    const st = await SafetensorsFile.open(path)
    expect(Array.from(await st.readTensor('b'))).toEqual([1, -2, 0.25])
    expect(Array.from(await st.readTensor('i'))).toEqual([-3, 5])
    await st.close()
  })

  it('leaves an existing file untouched when a write fails', async () => {
    const path = join(dir, 'keep.safetensors')
    writeFileSync(path, 'old')
    await expect(writeSafetensors(path, [{ name: 'x', shape: [2, 2], dtype: 'F32', data: new Float32Array(3) }]))
      .rejects.toThrow(/needs 4 values, got 3/)
    expect(readFileSync(path, 'utf8')).toBe('old')
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([])
  })
})

describe('golden weights.safetensors', () => {
  for (const [set, expected] of Object.entries(probes.sets)) {
    it(`${set}: header, order and values match an independent numpy read`, async () => {
      const st = await SafetensorsFile.open(`${goldenDir()}/${set}/weights.safetensors`)
      const names = st.header.entries.map((e) => e.name)
      expect(names.length).toBe(expected.n_tensors)
      expect([names[0], names.at(-1)]).toEqual([expected.first_name, expected.last_name])
      expect(st.header.metadata['set']).toBe(set)
      for (const [name, probe] of Object.entries(expected.probes)) {
        const data = await st.readTensor(name)
        expect(st.entry(name).shape).toEqual(probe.shape)
        expect(Array.from(data.subarray(0, 4))).toEqual(probe.first)
        expect(data.reduce((a, x) => a + x, 0)).toBeCloseTo(probe.sum, 9)
      }
      await st.close()
    })
  }

  it('tiny-a holds the 1,502,765 parameters config.json reports', async () => {
    const config = JSON.parse(readFileSync(join(goldenDir(), 'tiny-a/config.json'), 'utf8'))
    const st = await SafetensorsFile.open(join(goldenDir(), 'tiny-a/weights.safetensors'))
    const params = st.header.entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0)
    await st.close()
    expect(params).toBe(config.weights_summary.n_params)
  })
})

describe('hostile or broken safetensors', () => {
  const header = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }

  it('refuses a truncated file', async () => {
    const path = rawSafetensors('trunc.safetensors', header, new Uint8Array(12))
    await expect(SafetensorsFile.open(path)).rejects.toThrow(/outside the 12-byte data buffer \(truncated/)
  })

  it('refuses a header length larger than the file', async () => {
    const path = rawSafetensors('biglen.safetensors', header, new Uint8Array(16), 1n << 40n)
    await expect(SafetensorsFile.open(path)).rejects.toThrow(/header length 1099511627776 exceeds/)
  })

  it('refuses overlapping tensors, naming both', async () => {
    const path = rawSafetensors('overlap.safetensors', {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    }, new Uint8Array(16))
    await expect(SafetensorsFile.open(path)).rejects.toThrow(/tensors a \[0,16\] and b \[8,16\] overlap/)
  })

  it('refuses a byte-size mismatch and an unknown dtype', async () => {
    const bad = rawSafetensors('size.safetensors', { w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, new Uint8Array(16))
    await expect(SafetensorsFile.open(bad)).rejects.toThrow(/needs 12 bytes but data_offsets span 16/)
    const f8 = rawSafetensors('f8.safetensors', { w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, new Uint8Array(4))
    await expect(SafetensorsFile.open(f8)).rejects.toThrow(/unsupported dtype "F8_E4M3"/)
  })

  it('refuses a missing file and a non-JSON header with CheckpointError', async () => {
    await expect(SafetensorsFile.open(join(dir, 'nope.safetensors'))).rejects.toThrow(/no such file/)
    const path = join(dir, 'garbage.safetensors')
    writeFileSync(path, Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('not json')]))
    await expect(SafetensorsFile.open(path)).rejects.toBeInstanceOf(CheckpointError)
  })
})
