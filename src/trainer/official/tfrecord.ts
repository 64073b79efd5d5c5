// TFRecord framing (tensorflow/core/lib/io/record_writer.cc), what TensorBoard event files are made of: per record
// u64 LE length, u32 masked CRC-32C of those 8 bytes, the data, u32 masked CRC-32C of the data. Both CRCs are checked.
// A record cut short at the end of the file is a writer still at work, not an error: reading stops before it.

const castagnoli = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1 // reflected 0x1EDC6F41
    table[n] = c >>> 0
  }
  return table
})()

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = castagnoli[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** TensorFlow's masking of stored CRCs: rotate right by 15, add 0xa282ead8. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes)
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0
}

export interface TfRecords {
  records: Uint8Array[]
  complete: boolean // false: the file ends inside a record (still being written)
}

/** Splits `bytes` into records; a CRC mismatch throws, naming `where` and the byte offset. */
export function readTfRecords(bytes: Uint8Array, where: string): TfRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const records: Uint8Array[] = []
  let at = 0
  while (at < bytes.byteLength) {
    if (at + 12 > bytes.byteLength) return { records, complete: false }
    const lengthBytes = bytes.subarray(at, at + 8)
    if (view.getUint32(at + 8, true) !== maskedCrc32c(lengthBytes)) throw new Error(`${where}: record at byte ${at}: length CRC-32C mismatch (corrupt, or not a TFRecord file)`)
    const length = view.getBigUint64(at, true)
    if (BigInt(at + 16) + length > BigInt(bytes.byteLength)) return { records, complete: false }
    const data = bytes.subarray(at + 12, at + 12 + Number(length))
    if (view.getUint32(at + 12 + data.byteLength, true) !== maskedCrc32c(data)) throw new Error(`${where}: record at byte ${at}: data CRC-32C mismatch (corrupt)`)
    records.push(data)
    at += 16 + data.byteLength
  }
  return { records, complete: true }
}
