// Streaming ZIP writer for torch.save archives (PKWARE APPNOTE 6.3): STORED records, each record's data aligned to
// 64 bytes by padding its local header's extra field (as torch's writer does), ZIP64 directory fields once the
// archive passes 4 GiB. Written to a temp file renamed over the target when complete, so a crash leaves no half file.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { syncFolder, tempPathFor } from '../atomic-file'
import { CheckpointError } from './checkpoint-error'

const alignBytes = 64
const u32Max = 0xffffffff
const sig = { eocd: 0x06054b50, zip64Locator: 0x07064b50, zip64Eocd: 0x06064b50, central: 0x02014b50, local: 0x04034b50 }
const dosDate = 0x21 // 1980-01-01, time 00:00: a fixed stamp keeps archives byte-identical across runs

interface WrittenRecord { name: Uint8Array; crc: number; sizeBytes: number; offset: number }

export class ZipWriter {
  private offset = 0
  private readonly records: WrittenRecord[] = []

  private constructor(readonly path: string, private readonly tmpPath: string, private readonly handle: FileHandle) {}

  static async create(path: string): Promise<ZipWriter> {
    const tmpPath = tempPathFor(path)
    return new ZipWriter(path, tmpPath, await open(tmpPath, 'w'))
  }

  /** Appends one STORED record holding `data`. */
  async add(name: string, data: Uint8Array): Promise<void> {
    if (data.byteLength >= u32Max) throw new CheckpointError(`${this.path}: record ${name} is ${data.byteLength} bytes, over the 4 GiB one record may hold here`)
    const nameBytes = new TextEncoder().encode(name)
    const headerEnd = this.offset + 30 + nameBytes.byteLength + 4 // with the padding field's own 4-byte header
    const padding = (alignBytes - (headerEnd % alignBytes)) % alignBytes
    const header = new Uint8Array(30 + nameBytes.byteLength + 4 + padding)
    const v = new DataView(header.buffer)
    const crc = crc32(data)
    v.setUint32(0, sig.local, true)
    v.setUint16(4, 20, true) // version needed: 2.0
    v.setUint16(12, dosDate, true)
    v.setUint32(14, crc, true)
    v.setUint32(18, data.byteLength, true)
    v.setUint32(22, data.byteLength, true)
    v.setUint16(26, nameBytes.byteLength, true)
    v.setUint16(28, 4 + padding, true)
    header.set(nameBytes, 30)
    v.setUint16(30 + nameBytes.byteLength, 0x4246, true) // 'FB': torch's alignment padding field
    v.setUint16(32 + nameBytes.byteLength, padding, true)
    this.records.push({ name: nameBytes, crc, sizeBytes: data.byteLength, offset: this.offset })
    await this.write(header)
    await this.write(data)
  }

  /** Writes the central directory and end records, then renames the temp file over the target. */
  async close(): Promise<void> {
    const dirOffset = this.offset
    for (const r of this.records) await this.write(centralEntry(r))
    const dirBytes = this.offset - dirOffset
    const zip64 = dirOffset + dirBytes >= u32Max || this.records.length >= 0xffff
    if (zip64) await this.write(zip64End(this.records.length, dirBytes, dirOffset, this.offset))
    await this.write(end(this.records.length, dirBytes, dirOffset, zip64))
    await this.handle.sync()
    await this.handle.close()
    await rename(this.tmpPath, this.path)
    await syncFolder(dirname(this.path))
  }

  /** Closes and removes the temp file (after an error or a cancel). */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    await unlink(this.tmpPath).catch(() => undefined)
  }

  private async write(bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.byteLength;) {
      const { bytesWritten } = await this.handle.write(bytes, done, Math.min(bytes.byteLength - done, 1 << 30))
      done += bytesWritten
    }
    this.offset += bytes.byteLength
  }
}

function centralEntry(r: WrittenRecord): Uint8Array {
  const far = r.offset >= u32Max
  const out = new Uint8Array(46 + r.name.byteLength + (far ? 12 : 0))
  const v = new DataView(out.buffer)
  v.setUint32(0, sig.central, true)
  v.setUint16(4, far ? 45 : 20, true) // version made by
  v.setUint16(6, far ? 45 : 20, true) // version needed: 4.5 for ZIP64
  v.setUint16(14, dosDate, true)
  v.setUint32(16, r.crc, true)
  v.setUint32(20, r.sizeBytes, true)
  v.setUint32(24, r.sizeBytes, true)
  v.setUint16(28, r.name.byteLength, true)
  v.setUint16(30, far ? 12 : 0, true)
  v.setUint32(42, far ? u32Max : r.offset, true)
  out.set(r.name, 46)
  if (far) { // ZIP64 extra field holding only the local header offset
    const at = 46 + r.name.byteLength
    v.setUint16(at, 0x0001, true)
    v.setUint16(at + 2, 8, true)
    v.setBigUint64(at + 4, BigInt(r.offset), true)
  }
  return out
}

function zip64End(count: number, dirBytes: number, dirOffset: number, recordOffset: number): Uint8Array {
  const out = new Uint8Array(56 + 20)
  const v = new DataView(out.buffer)
  v.setUint32(0, sig.zip64Eocd, true)
  v.setBigUint64(4, 44n, true) // size of the rest of this record
  v.setUint16(12, 45, true)
  v.setUint16(14, 45, true)
  v.setBigUint64(24, BigInt(count), true)
  v.setBigUint64(32, BigInt(count), true)
  v.setBigUint64(40, BigInt(dirBytes), true)
  v.setBigUint64(48, BigInt(dirOffset), true)
  v.setUint32(56, sig.zip64Locator, true)
  v.setBigUint64(64, BigInt(recordOffset), true)
  v.setUint32(72, 1, true) // total disks
  return out
}

function end(count: number, dirBytes: number, dirOffset: number, zip64: boolean): Uint8Array {
  const out = new Uint8Array(22)
  const v = new DataView(out.buffer)
  v.setUint32(0, sig.eocd, true)
  v.setUint16(8, zip64 ? 0xffff : count, true)
  v.setUint16(10, zip64 ? 0xffff : count, true)
  v.setUint32(12, zip64 ? u32Max : dirBytes, true)
  v.setUint32(16, zip64 ? u32Max : dirOffset, true)
  return out
}
