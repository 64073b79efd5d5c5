// NumPy `.npy` arrays (format 1.0, little-endian float64 or float32) inside a `.npz` zip (stored entries written, stored or
// deflated read): pytorch-fid's statistics files (`mu`, `sigma`) and feature rows. Format: numpy/lib/format.py; zip: PKWARE APPNOTE 4.3.
import { crc32, inflateRawSync } from 'node:zlib'

export interface NpyArray {
  readonly data: Float64Array
  readonly shape: readonly number[]
}

/** Float32 rows kept as float32 ('<f4'): written and read without widening. */
export interface NpyArrayF32 {
  readonly data: Float32Array
  readonly shape: readonly number[]
}

const npyMagic = [0x93, ...Buffer.from('NUMPY')]
const arrayAlign = 64 // numpy pads magic + header to a multiple of 64

/** uint8 arrays ('|u1'): images as the ADM evaluator reads them (`arr_0`, NHWC). */
export interface NpyArrayU8 {
  readonly data: Uint8Array
  readonly shape: readonly number[]
}

/** '<f8' for Float64Array data, '<f4' for Float32Array, '|u1' for Uint8Array. */
export function encodeNpy(array: NpyArray | NpyArrayF32 | NpyArrayU8): Uint8Array {
  const size = array.shape.reduce((a, v) => a * v, 1)
  if (size !== array.data.length) throw new Error(`npy shape [${array.shape.join(', ')}] needs ${size} values, got ${array.data.length}`)
  const wide = array.data instanceof Float64Array
  const bytes = array.data instanceof Uint8Array
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`
  let header = `{'descr': '${bytes ? '|u1' : wide ? '<f8' : '<f4'}', 'fortran_order': False, 'shape': ${shape}, }`
  header += ' '.repeat(arrayAlign - ((10 + header.length + 1) % arrayAlign)) + '\n'
  const width = bytes ? 1 : wide ? 8 : 4
  const out = Buffer.alloc(10 + header.length + size * width)
  out.set(npyMagic, 0)
  out.set([1, 0], 6)
  out.writeUInt16LE(header.length, 8)
  out.write(header, 10, 'latin1')
  const start = 10 + header.length
  if (bytes) out.set(array.data, start)
  else for (let i = 0; i < size; i++) {
    if (wide) out.writeDoubleLE(array.data[i], start + i * 8)
    else out.writeFloatLE(array.data[i], start + i * 4)
  }
  return out
}

interface NpyHeader {
  readonly descr: '<f8' | '<f4'
  readonly shape: number[]
  readonly dataAt: number // byte offset of the first value
}

function readHeader(buf: Buffer): NpyHeader {
  if (!npyMagic.every((b, i) => buf[i] === b)) throw new Error('not an .npy file (bad magic)')
  const major = buf[6]
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8)
  const start = major === 1 ? 10 : 12
  const header = buf.toString('latin1', start, start + headerLen)
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
  if ((descr !== '<f8' && descr !== '<f4') || fortran !== 'False' || shapeText === undefined) {
    throw new Error(`unsupported .npy header: ${header.trim()}`)
  }
  const shape = shapeText.split(',').filter((s) => s.trim() !== '').map((s) => Number(s))
  const size = shape.reduce((a, v) => a * v, 1)
  if (buf.length < start + headerLen + size * (descr === '<f8' ? 8 : 4)) throw new Error(`.npy data is shorter than its shape [${shape.join(', ')}]`)
  return { descr, shape, dataAt: start + headerLen }
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** Reads little-endian '<f8' or '<f4' C-order arrays (as float64). */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  const buf = asBuffer(bytes)
  const { descr, shape, dataAt } = readHeader(buf)
  const data = new Float64Array(shape.reduce((a, v) => a * v, 1))
  for (let i = 0; i < data.length; i++) data[i] = descr === '<f8' ? buf.readDoubleLE(dataAt + i * 8) : buf.readFloatLE(dataAt + i * 4)
  return { data, shape }
}

/** Reads a little-endian '<f4' C-order array as float32 (no widening: large feature matrices). */
export function decodeNpyF32(bytes: Uint8Array): NpyArrayF32 {
  const buf = asBuffer(bytes)
  const { descr, shape, dataAt } = readHeader(buf)
  if (descr !== '<f4') throw new Error(`expected a float32 ('<f4') array, got '${descr}'`)
  const data = new Float32Array(shape.reduce((a, v) => a * v, 1))
  for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(dataAt + i * 4)
  return { data, shape }
}

const dosDate = (0 << 9) | (1 << 5) | 1 // 1980-01-01, fixed so equal content gives equal bytes

/** A zip of stored (uncompressed) entries. */
export function encodeZip(entries: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const [name, data] of entries) {
    if (data.length >= 0xffffffff) throw new Error(`zip entry ${name} is too large (${data.length} bytes) for a non-zip64 archive`)
    const nameBytes = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(dosDate, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const dir = Buffer.alloc(46)
    dir.writeUInt32LE(0x02014b50, 0)
    dir.writeUInt16LE(20, 4)
    dir.writeUInt16LE(20, 6)
    local.copy(dir, 12, 10, 26) // time, date, crc, sizes
    dir.writeUInt16LE(nameBytes.length, 28)
    dir.writeUInt32LE(offset, 42)
    parts.push(local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    central.push(dir, nameBytes)
    offset += 30 + nameBytes.length + data.length
  }
  const centralSize = central.reduce((a, b) => a + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.size, 8)
  end.writeUInt16LE(entries.size, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, ...central, end])
}

/** Sizes from a central-directory entry, taking zip64 extra fields (Python's zipfile writes them) into account. */
function entrySizes(buf: Buffer, at: number): { compressed: number; size: number; localOffset: number } {
  let [compressed, size, localOffset] = [buf.readUInt32LE(at + 20), buf.readUInt32LE(at + 24), buf.readUInt32LE(at + 42)]
  const nameLen = buf.readUInt16LE(at + 28)
  const extraEnd = at + 46 + nameLen + buf.readUInt16LE(at + 30)
  for (let p = at + 46 + nameLen; p + 4 <= extraEnd; p += 4 + buf.readUInt16LE(p + 2)) {
    if (buf.readUInt16LE(p) !== 0x0001) continue
    let q = p + 4
    const next = (): number => Number(buf.readBigUInt64LE((q += 8) - 8))
    if (size === 0xffffffff) size = next()
    if (compressed === 0xffffffff) compressed = next()
    if (localOffset === 0xffffffff) localOffset = next()
  }
  return { compressed, size, localOffset }
}

export function decodeZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let end = buf.length - 22
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--
  if (end < 0) throw new Error('not a zip file (no end-of-central-directory record)')
  const out = new Map<string, Uint8Array>()
  let at = buf.readUInt32LE(end + 16)
  for (let i = 0; i < buf.readUInt16LE(end + 10); i++) {
    const method = buf.readUInt16LE(at + 10)
    const name = buf.toString('utf8', at + 46, at + 46 + buf.readUInt16LE(at + 28))
    const { compressed, size, localOffset } = entrySizes(buf, at)
    const dataAt = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28)
    const raw = buf.subarray(dataAt, dataAt + compressed)
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: compression method ${method} is not supported`)
    const data = method === 0 ? raw : inflateRawSync(raw)
    if (data.length !== size || crc32(data) !== buf.readUInt32LE(at + 16)) throw new Error(`zip entry ${name} is corrupt (size or CRC)`)
    out.set(name, data)
    at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32)
  }
  return out
}
