// Minimal ZIP reader over a file handle (PKWARE APPNOTE 6.3: end of central directory, ZIP64 locator and
// record, central directory, local headers). Enough for torch.save archives: STORED tensors are read by byte
// range; DEFLATED entries only as small records under a size cap. Anything else is refused.
import { crc32, inflateRawSync } from 'node:zlib'
import { CheckpointError } from './checkpoint-error'
import { RandomAccessFile } from './random-access-file'

const sig = { eocd: 0x06054b50, zip64Locator: 0x07064b50, zip64Eocd: 0x06064b50, central: 0x02014b50, local: 0x04034b50 }
const eocdBytes = 22
const maxCommentBytes = 0xffff
const maxCentralDirectoryBytes = 64 << 20
const methodStored = 0
const methodDeflated = 8

export interface ZipEntry {
  readonly name: string
  readonly method: number // 0 STORED, 8 DEFLATED; others are refused when read
  readonly flags: number
  readonly crc32: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  readonly localHeaderOffset: number
}

interface CentralDirectory { offset: number; sizeBytes: number; count: number }

export class ZipArchive {
  private readonly dataOffsets = new Map<string, number>()

  private constructor(
    private readonly file: RandomAccessFile,
    readonly entries: ReadonlyMap<string, ZipEntry>, // in central-directory order
  ) {}

  static async open(path: string): Promise<ZipArchive> {
    const file = await RandomAccessFile.open(path)
    try {
      const dir = await findCentralDirectory(file)
      const bytes = await file.read(dir.offset, dir.sizeBytes, 'zip central directory')
      return new ZipArchive(file, parseCentralDirectory(bytes, dir.count, file))
    } catch (err) {
      await file.close()
      throw err
    }
  }

  get path(): string {
    return this.file.path
  }

  /** Where the entry's data starts in the file (after its local header), checked to lie within the file. */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const known = this.dataOffsets.get(entry.name)
    if (known !== undefined) return known
    const header = await this.file.read(entry.localHeaderOffset, 30, `local header of ${entry.name}`)
    const v = view(header)
    if (v.getUint32(0, true) !== sig.local) throw new CheckpointError(`${this.path}: bad local header for ${entry.name}`)
    const start = entry.localHeaderOffset + 30 + v.getUint16(26, true) + v.getUint16(28, true)
    if (start + entry.compressedSize > this.file.sizeBytes) {
      throw new CheckpointError(`${this.path}: truncated zip: ${entry.name} needs bytes up to ${start + entry.compressedSize} but the file has ${this.file.sizeBytes}`)
    }
    this.dataOffsets.set(entry.name, start)
    return start
  }

  /** Reads `length` bytes at `offset` within a STORED entry. */
  async readRange(entry: ZipEntry, offset: number, length: number): Promise<Uint8Array> {
    this.checkReadable(entry, methodStored)
    if (offset < 0 || length < 0 || offset + length > entry.uncompressedSize) {
      throw new CheckpointError(`${this.path}: range [${offset}, ${offset + length}) is outside ${entry.name} (${entry.uncompressedSize} bytes)`)
    }
    return this.file.read((await this.dataOffset(entry)) + offset, length, entry.name)
  }

  /** Reads a whole small entry (STORED or DEFLATED), refusing one that is, or inflates to, more than `maxBytes`. */
  async readRecord(entry: ZipEntry, maxBytes: number): Promise<Uint8Array> {
    this.checkReadable(entry, entry.method)
    if (entry.uncompressedSize > maxBytes || entry.compressedSize > maxBytes) {
      throw new CheckpointError(`${this.path}: ${entry.name} is ${entry.uncompressedSize} bytes, over the ${maxBytes}-byte limit for a record`)
    }
    const raw = await this.file.read(await this.dataOffset(entry), entry.compressedSize, entry.name)
    const data = entry.method === methodStored ? raw : inflateCapped(raw, maxBytes, `${this.path}: ${entry.name}`)
    if (data.byteLength !== entry.uncompressedSize || crc32(data) !== entry.crc32) {
      throw new CheckpointError(`${this.path}: ${entry.name} is corrupt (size or CRC-32 does not match the directory)`)
    }
    return data
  }

  private checkReadable(entry: ZipEntry, method: number): void {
    if (entry.flags & 1) throw new CheckpointError(`${this.path}: ${entry.name} is encrypted`)
    if (entry.method !== method || (method !== methodStored && method !== methodDeflated)) {
      throw new CheckpointError(`${this.path}: ${entry.name} uses compression method ${entry.method}; only STORED tensor data (and DEFLATED small records) are supported`)
    }
  }

  close(): Promise<void> {
    return this.file.close()
  }
}

function inflateCapped(raw: Uint8Array, maxBytes: number, where: string): Uint8Array {
  try {
    return new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) }))
  } catch (err) {
    const tooLarge = err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
    if (tooLarge) throw new CheckpointError(`${where} inflates past the ${maxBytes}-byte limit (zip bomb?)`)
    throw new CheckpointError(`${where}: bad deflate data (${String(err)})`)
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength)
}

async function findCentralDirectory(file: RandomAccessFile): Promise<CentralDirectory> {
  const notZip = `${file.path}: not a zip archive or truncated (no end-of-central-directory record)`
  if (file.sizeBytes < eocdBytes) throw new CheckpointError(notZip)
  const tailStart = Math.max(0, file.sizeBytes - eocdBytes - maxCommentBytes)
  const tail = await file.read(tailStart, file.sizeBytes - tailStart, 'zip trailer')
  const v = view(tail)
  let at = -1
  for (let i = tail.byteLength - eocdBytes; i >= 0 && at < 0; i--) {
    if (v.getUint32(i, true) === sig.eocd && i + eocdBytes + v.getUint16(i + 20, true) <= tail.byteLength) at = i
  }
  if (at < 0) throw new CheckpointError(notZip)
  if (v.getUint16(at + 4, true) !== 0 || v.getUint16(at + 6, true) !== 0) {
    throw new CheckpointError(`${file.path}: multi-disk zip archives are not supported`)
  }
  const dir = { count: v.getUint16(at + 10, true), sizeBytes: v.getUint32(at + 12, true), offset: v.getUint32(at + 16, true) }
  const locatorAt = tailStart + at - 20
  const zip64 = locatorAt >= 0 ? await readZip64Directory(file, locatorAt) : null
  return checkDirectory(zip64 ?? dir, file)
}

async function readZip64Directory(file: RandomAccessFile, locatorAt: number): Promise<CentralDirectory | null> {
  const locator = view(await file.read(locatorAt, 20, 'zip64 locator'))
  if (locator.getUint32(0, true) !== sig.zip64Locator) return null
  const recordAt = safeU64(locator, 8, file.path)
  const record = view(await file.read(recordAt, 56, 'zip64 end of central directory'))
  if (record.getUint32(0, true) !== sig.zip64Eocd) throw new CheckpointError(`${file.path}: bad zip64 end-of-central-directory record`)
  return { count: safeU64(record, 32, file.path), sizeBytes: safeU64(record, 40, file.path), offset: safeU64(record, 48, file.path) }
}

function checkDirectory(dir: CentralDirectory, file: RandomAccessFile): CentralDirectory {
  if (dir.offset + dir.sizeBytes > file.sizeBytes) {
    throw new CheckpointError(`${file.path}: truncated zip: central directory [${dir.offset}, ${dir.offset + dir.sizeBytes}) past the end of the ${file.sizeBytes}-byte file`)
  }
  if (dir.sizeBytes > maxCentralDirectoryBytes || dir.count * 46 > dir.sizeBytes) {
    throw new CheckpointError(`${file.path}: implausible zip central directory (${dir.count} entries in ${dir.sizeBytes} bytes)`)
  }
  return dir
}

function safeU64(v: DataView, at: number, path: string): number {
  const n = v.getBigUint64(at, true)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(`${path}: zip64 field of ${n} is too large`)
  return Number(n)
}

function parseCentralDirectory(bytes: Uint8Array, count: number, file: RandomAccessFile): Map<string, ZipEntry> {
  const v = view(bytes)
  const entries = new Map<string, ZipEntry>()
  let p = 0
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.byteLength || v.getUint32(p, true) !== sig.central) {
      throw new CheckpointError(`${file.path}: corrupt zip central directory at entry ${i}`)
    }
    const nameLen = v.getUint16(p + 28, true)
    const extraLen = v.getUint16(p + 30, true)
    const end = p + 46 + nameLen + extraLen + v.getUint16(p + 32, true)
    if (end > bytes.byteLength) throw new CheckpointError(`${file.path}: corrupt zip central directory at entry ${i}`)
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen))
    const extra = view(bytes.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen))
    const [method, flags, crc] = [v.getUint16(p + 10, true), v.getUint16(p + 8, true), v.getUint32(p + 16, true)]
    entries.set(name, { name, method, flags, crc32: crc, ...readSizes(v, p, extra, file.path) })
    p = end
  }
  return entries
}

/** The 32-bit sizes and offset of a central entry, replaced from its ZIP64 extra field where they are 0xFFFFFFFF. */
type EntrySizes = Pick<ZipEntry, 'compressedSize' | 'uncompressedSize' | 'localHeaderOffset'>

function readSizes(v: DataView, p: number, extra: DataView, path: string): EntrySizes {
  const fields = [v.getUint32(p + 24, true), v.getUint32(p + 20, true), v.getUint32(p + 42, true)] // usize, csize, offset
  if (!fields.includes(0xffffffff)) return { uncompressedSize: fields[0]!, compressedSize: fields[1]!, localHeaderOffset: fields[2]! }
  for (let q = 0; q + 4 <= extra.byteLength; q += 4 + extra.getUint16(q + 2, true)) {
    if (extra.getUint16(q, true) !== 0x0001) continue
    const end = Math.min(q + 4 + extra.getUint16(q + 2, true), extra.byteLength)
    let at = q + 4
    for (let k = 0; k < 3; k++) {
      if (fields[k] !== 0xffffffff) continue
      if (at + 8 > end) throw new CheckpointError(`${path}: short zip64 extra field`)
      fields[k] = safeU64(extra, at, path)
      at += 8
    }
    return { uncompressedSize: fields[0]!, compressedSize: fields[1]!, localHeaderOffset: fields[2]! }
  }
  throw new CheckpointError(`${path}: zip entry needs a zip64 extra field but has none`)
}
