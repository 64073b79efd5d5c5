// PNG padding: PNGs of different sizes grown to one size with a private ancillary chunk before IEND whose CRC is
// recomputed here with a table CRC-32 (PNG spec §5.5); sharp decodes the same pixels; malformed input is refused.
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { chunkOverhead, paddedSize, paddingChunkType, padPng, pngChunk } from '../../../src/trainer/rating/png-padding'

/** CRC-32 as the PNG spec's sample code computes it, independent of zlib. */
function tableCrc32(bytes: Uint8Array): number {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  let c = 0xffffffff
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

interface Chunk {
  readonly type: string
  readonly data: Buffer
  readonly crc: number
  readonly typeAndData: Buffer
}

/** The chunks after the signature, in order. */
function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    const typeAndData = png.subarray(at + 4, at + 8 + length)
    out.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4), crc: png.readUInt32BE(at + 8 + length), typeAndData })
    at += length + chunkOverhead
  }
  return out
}

/** A noisy or flat w×h RGB PNG: different contents compress to different sizes. */
async function png(w: number, h: number, noisy: boolean): Promise<Buffer> {
  const rgb = Buffer.alloc(w * h * 3, 128)
  if (noisy) for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919 + (i >> 3) * 104729) % 251
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
}

const pixels = (file: Buffer) => sharp(file).raw().toBuffer({ resolveWithObject: true })

describe('padPng', () => {
  it('grows PNGs of different sizes to one size; the pixels decode the same', async () => {
    const files = await Promise.all([png(32, 32, true), png(32, 32, false), png(17, 9, true)])
    expect(new Set(files.map((f) => f.length)).size).toBe(3)
    const size = paddedSize(files.map((f) => f.length))
    expect(size).toBe(Math.max(...files.map((f) => f.length)) + chunkOverhead)
    for (const file of files) {
      const padded = padPng(file, size)
      expect(padded.length).toBe(size)
      const [before, after] = await Promise.all([pixels(file), pixels(padded)])
      expect(after.info).toEqual(before.info)
      expect(after.data.equals(before.data)).toBe(true)
    }
  })

  it('adds one private ancillary chunk with a valid CRC just before IEND, the other chunks untouched', async () => {
    const file = await png(20, 20, true)
    const padded = padPng(file, file.length + 100)
    const [old, now] = [chunks(file), chunks(padded)]
    expect(now.map((c) => c.type)).toEqual([...old.map((c) => c.type).slice(0, -1), paddingChunkType, 'IEND'])
    for (const c of now) expect(c.crc, c.type).toBe(tableCrc32(c.typeAndData))
    const pad = now.at(-2)!
    expect(pad.data.length).toBe(100 - chunkOverhead)
    expect(pad.type[0]).toMatch(/[a-z]/) // ancillary: decoders that do not know it skip it
    expect(pad.type[1]).toMatch(/[a-z]/) // private
    expect(pad.type[2]).toMatch(/[A-Z]/) // reserved bit clear
    old.slice(0, -1).forEach((c, i) => expect(now[i].typeAndData.equals(c.typeAndData)).toBe(true))
  })

  it('pads the largest file too (an empty chunk), and refuses a size too small, a non-PNG or a file not ending in IEND', async () => {
    const file = await png(8, 8, false)
    const exact = padPng(file, file.length + chunkOverhead)
    expect(chunks(exact).at(-2)).toMatchObject({ type: paddingChunkType, data: Buffer.alloc(0) })
    expect(() => padPng(file, file.length + chunkOverhead - 1)).toThrow(/cannot pad a \d+-byte PNG to \d+ bytes/)
    expect(() => padPng(Buffer.from('bytes of a text file, not an image'), 1000)).toThrow(/not a PNG file/)
    expect(() => padPng(Buffer.concat([file, Buffer.from('trailing')]), 2000)).toThrow(/does not end with its IEND chunk/)
  })
})

describe('pngChunk', () => {
  it('writes length, type, data and the CRC of type and data', () => {
    const chunk = pngChunk('teXt', Buffer.from('Title\0x'))
    expect(chunk.readUInt32BE(0)).toBe(7)
    expect(chunk.subarray(4, 8).toString('latin1')).toBe('teXt')
    expect(chunk.readUInt32BE(chunk.length - 4)).toBe(tableCrc32(chunk.subarray(4, chunk.length - 4)))
    expect(() => pngChunk('te1t', Buffer.alloc(0))).toThrow(/four ASCII letters/)
  })
})
