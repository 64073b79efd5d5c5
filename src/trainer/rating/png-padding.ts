// Equal-size PNGs for the rater folder: a PNG is padded with one private ancillary chunk (PNG spec §5.4: lowercase
// first letter = ancillary, decoders skip it; lowercase second = private) placed just before IEND, CRC-32 per §5.5.
import { crc32 } from 'node:zlib'

/** The padding chunk's type: ancillary, private, reserved bit clear, safe to copy. */
export const paddingChunkType = 'raPd'

/** Length, type and CRC around a chunk's data. */
export const chunkOverhead = 12

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])

/** One PNG chunk: 4-byte big-endian data length, 4-byte type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`a PNG chunk type is four ASCII letters, got '${type}'`)
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0)
  return Buffer.concat([head, data, crc])
}

/**
 * `png` grown to exactly `size` bytes by one padding chunk (zeros) before IEND; the image data is untouched. `size`
 * must leave room for the chunk: at least png.length + chunkOverhead.
 */
export function padPng(png: Uint8Array, size: number): Buffer {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength)
  if (bytes.length < signature.length + iend.length || !bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG file')
  const end = bytes.length - iend.length
  if (!bytes.subarray(end).equals(iend)) throw new Error('a PNG file that does not end with its IEND chunk')
  const fill = size - bytes.length - chunkOverhead
  if (fill < 0) throw new Error(`cannot pad a ${bytes.length}-byte PNG to ${size} bytes (the chunk alone takes ${chunkOverhead})`)
  return Buffer.concat([bytes.subarray(0, end), pngChunk(paddingChunkType, Buffer.alloc(fill)), iend])
}

/** The common size files of these sizes are padded to: every file gets a chunk, so even the largest one has one. */
export const paddedSize = (sizes: readonly number[]): number => Math.max(0, ...sizes) + chunkOverhead
