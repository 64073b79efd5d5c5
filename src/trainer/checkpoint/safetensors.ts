// safetensors reader and writer (huggingface/safetensors format): u64 LE header length N, N bytes of JSON
// {"__metadata__": {str: str}, name: {dtype, shape, data_offsets: [begin, end]}, …} padded with spaces to a
// multiple of 8, then the data buffer. Offsets are relative to the buffer; tensors are read lazily by range.
import { type FileHandle } from 'node:fs/promises'
import { writeAtomicWith } from '../atomic-file'
import { CheckpointError } from './checkpoint-error'
import { RandomAccessFile } from './random-access-file'
import {
  decodeToFloat32, dtypeBytes, floatToHalf, hostLittleEndian, numelOf, toDType, type DType,
} from './dtypes'

const maxHeaderBytes = 100_000_000 // the limit the reference Rust crate enforces

export interface SafetensorsEntry {
  readonly name: string
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly dataOffsets: readonly [number, number] // [begin, end) within the data buffer
}

export interface SafetensorsHeader {
  readonly metadata: Record<string, string>
  readonly entries: readonly SafetensorsEntry[] // in data-buffer order
}

export class SafetensorsFile {
  private readonly byName: Map<string, SafetensorsEntry>

  private constructor(
    private readonly file: RandomAccessFile,
    private readonly dataStart: number,
    readonly header: SafetensorsHeader,
  ) {
    this.byName = new Map(header.entries.map((e) => [e.name, e]))
  }

  static async open(path: string): Promise<SafetensorsFile> {
    const file = await RandomAccessFile.open(path)
    try {
      if (file.sizeBytes < 8) throw new CheckpointError(`${path}: not a safetensors file (only ${file.sizeBytes} bytes)`)
      const headerBytes = readHeaderLength(await file.read(0, 8, 'header length'), file.sizeBytes, path)
      const json = await file.read(8, headerBytes, 'safetensors header')
      const header = parseSafetensorsHeader(json, file.sizeBytes - 8 - headerBytes, path)
      return new SafetensorsFile(file, 8 + headerBytes, header)
    } catch (err) {
      await file.close()
      throw err
    }
  }

  get path(): string {
    return this.file.path
  }

  entry(name: string): SafetensorsEntry {
    const e = this.byName.get(name)
    if (!e) throw new CheckpointError(`${this.path}: no tensor named ${JSON.stringify(name)}`)
    return e
  }

  /** The stored bytes of one tensor, read from disk now. */
  async readRaw(name: string): Promise<Uint8Array> {
    const [begin, end] = this.entry(name).dataOffsets
    return this.file.read(this.dataStart + begin, end - begin, `tensor ${name}`)
  }

  async readTensor(name: string): Promise<Float32Array> {
    return decodeToFloat32(await this.readRaw(name), this.entry(name).dtype)
  }

  close(): Promise<void> {
    return this.file.close()
  }
}

function readHeaderLength(bytes: Uint8Array, fileBytes: number, path: string): number {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)
  if (n > BigInt(fileBytes - 8)) {
    throw new CheckpointError(
      `${path}: not a safetensors file or truncated: header length ${n} exceeds the ${fileBytes - 8} bytes after it`,
    )
  }
  if (n > BigInt(maxHeaderBytes)) throw new CheckpointError(`${path}: safetensors header of ${n} bytes is over the ${maxHeaderBytes} limit`)
  return Number(n)
}

/** Parses and validates a header against a data buffer of `dataBytes` bytes. */
export function parseSafetensorsHeader(json: Uint8Array, dataBytes: number, where: string): SafetensorsHeader {
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json))
  } catch {
    throw new CheckpointError(`${where}: not a safetensors file (header is not valid UTF-8 JSON)`)
  }
  if (!isPlainObject(raw)) throw new CheckpointError(`${where}: safetensors header is not a JSON object`)
  const metadata = parseMetadata(raw['__metadata__'], where)
  const entries = Object.entries(raw)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, info]) => parseEntry(name, info, dataBytes, where))
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1])
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!
    const cur = entries[i]!
    if (prev.dataOffsets[1] > cur.dataOffsets[0]) {
      throw new CheckpointError(
        `${where}: tensors ${prev.name} [${prev.dataOffsets}] and ${cur.name} [${cur.dataOffsets}] overlap`,
      )
    }
  }
  return { metadata, entries }
}

function parseMetadata(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined) return {}
  if (!isPlainObject(raw)) throw new CheckpointError(`${where}: __metadata__ is not an object`)
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new CheckpointError(`${where}: __metadata__.${k} is not a string`)
  }
  return { ...(raw as Record<string, string>) }
}

function parseEntry(name: string, info: unknown, dataBytes: number, where: string): SafetensorsEntry {
  const at = `${where}: tensor ${JSON.stringify(name)}`
  if (!isPlainObject(info)) throw new CheckpointError(`${at}: entry is not an object`)
  const { dtype, shape, data_offsets: offsets } = info
  if (typeof dtype !== 'string') throw new CheckpointError(`${at}: missing dtype`)
  if (!Array.isArray(shape)) throw new CheckpointError(`${at}: missing shape`)
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new CheckpointError(`${at}: data_offsets must be two non-negative integers`)
  }
  const [begin, end] = offsets as [number, number]
  const dt = toDType(dtype, at)
  const bytes = numelOf(shape as number[], at) * dtypeBytes[dt]
  if (end < begin || end > dataBytes) {
    throw new CheckpointError(`${at}: data_offsets [${begin}, ${end}] outside the ${dataBytes}-byte data buffer (truncated file?)`)
  }
  if (end - begin !== bytes) {
    throw new CheckpointError(`${at}: ${dt} [${shape.join(', ')}] needs ${bytes} bytes but data_offsets span ${end - begin}`)
  }
  return { name, dtype: dt, shape: [...(shape as number[])], dataOffsets: [begin, end] }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

export interface FloatTensorToWrite {
  readonly name: string
  readonly shape: readonly number[]
  readonly dtype: 'F32' | 'F16'
  readonly data: Float32Array // converted to F16 on write when dtype is F16
}

export interface IntTensorToWrite {
  readonly name: string
  readonly shape: readonly number[]
  readonly dtype: 'I8' | 'I32'
  readonly data: Int8Array | Int32Array // the array of that dtype
}

export type TensorToWrite = FloatTensorToWrite | IntTensorToWrite

/** A float tensor read only at its turn in the write, so a file larger than memory can be streamed out. */
export interface LazyTensorToWrite extends Omit<FloatTensorToWrite, 'data'> {
  read(): Promise<Float32Array>
}

type AnyTensorToWrite = TensorToWrite | LazyTensorToWrite

/** Writes tensors in the given order, streaming to a temp file that is renamed over `path` when complete. */
export async function writeSafetensors(
  path: string,
  tensors: readonly AnyTensorToWrite[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const header = encodeHeader(tensors, metadata, path)
  await writeAtomicWith(path, async (handle) => {
    const length = new Uint8Array(8)
    new DataView(length.buffer).setBigUint64(0, BigInt(header.byteLength), true)
    await writeAll(handle, length)
    await writeAll(handle, header)
    for (const t of tensors) await writeAll(handle, encodeTensor('read' in t ? loaded(t, await t.read(), path) : t))
  })
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.byteLength - done, 1 << 30))
    done += bytesWritten
  }
}

function encodeHeader(tensors: readonly AnyTensorToWrite[], metadata: Readonly<Record<string, string>>, path: string): Uint8Array {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata }
  let offset = 0
  for (const t of tensors) {
    const at = `${path}: tensor ${JSON.stringify(t.name)}`
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) throw new CheckpointError(`${at}: duplicate or reserved name`)
    const numel = numelOf(t.shape, at)
    if ('data' in t) checkLength(t.data.length, numel, t, at)
    const bytes = numel * dtypeBytes[t.dtype]
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] }
    offset += bytes
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = new Uint8Array(Math.ceil(json.byteLength / 8) * 8).fill(0x20) // spaces, as torch/safetensors pad
  padded.set(json)
  return padded
}

function checkLength(length: number, numel: number, t: AnyTensorToWrite, at: string): void {
  if (length !== numel) throw new CheckpointError(`${at}: shape [${t.shape.join(', ')}] needs ${numel} values, got ${length}`)
}

function loaded(t: LazyTensorToWrite, data: Float32Array, path: string): FloatTensorToWrite {
  const at = `${path}: tensor ${JSON.stringify(t.name)}`
  checkLength(data.length, numelOf(t.shape, at), t, at)
  return { name: t.name, shape: t.shape, dtype: t.dtype, data }
}

function encodeTensor(t: TensorToWrite): Uint8Array {
  const integer = t.dtype === 'I8' || t.dtype === 'I32'
  if (integer !== !(t.data instanceof Float32Array)) throw new CheckpointError(`tensor ${JSON.stringify(t.name)}: ${t.dtype} needs ${integer ? 'an Int8Array/Int32Array' : 'a Float32Array'}`)
  if ((t.dtype === 'F32' || integer) && hostLittleEndian) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const out = new Uint8Array(t.data.length * dtypeBytes[t.dtype])
  const view = new DataView(out.buffer)
  for (let i = 0; i < t.data.length; i++) {
    if (t.dtype === 'F32') view.setFloat32(i * 4, t.data[i]!, true)
    else if (t.dtype === 'I32') view.setInt32(i * 4, t.data[i]!, true)
    else if (t.dtype === 'I8') view.setInt8(i, t.data[i]!)
    else view.setUint16(i * 2, floatToHalf(t.data[i]!), true)
  }
  return out
}
