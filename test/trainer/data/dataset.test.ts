import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DatasetError, scanImageFolder, scanNotices, type ImageFolderScan } from '../../../src/trainer/data/dataset'
import { Rng } from '../../../src/trainer/data/rng'
import { PHOTOS } from '../../fixtures/photos'

const SIZE = 48
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-dataset-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const photo = (name: string) => sharp(`${PHOTOS}/val-64/${name}`)

/** One folder holding every kind of file a user's dataset can contain. */
async function writeMixedFolder(dir: string): Promise<void> {
  mkdirSync(join(dir, 'sub'), { recursive: true })
  const rng = Rng.fromSeed(11)
  await photo('val64_0000.png').toFile(join(dir, 'good.png'))
  await photo('val64_0001.png').jpeg().toFile(join(dir, 'sub', 'good-nested.jpg'))
  await photo('val64_0002.png').webp().toFile(join(dir, 'good.WEBP'))
  await photo('val64_0010.png').avif().toFile(join(dir, 'good.avif'))
  await photo('val64_0011.png').tiff().toFile(join(dir, 'sub', 'good.tif'))
  writeFileSync(join(dir, 'empty.png'), new Uint8Array(0))
  writeFileSync(join(dir, 'noise.png'), Uint8Array.from({ length: 4096 }, () => rng.nextInt(256)))
  const jpeg = await photo('val64_0003.png').jpeg({ quality: 95 }).toBuffer()
  writeFileSync(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)))
  await photo('val64_0004.png').toColourspace('rgb16').png().toFile(join(dir, 'deep.png'))
  await photo('val64_0005.png').toColourspace('b-w').png().toFile(join(dir, 'gray.png'))
  await photo('val64_0006.png').ensureAlpha(0.5).png().toFile(join(dir, 'alpha.png'))
  await photo('val64_0007.png').toColourspace('cmyk').jpeg().toFile(join(dir, 'cmyk.jpg'))
  await photo('val64_0008.png').resize(40, 30).png().toFile(join(dir, 'small.png'))
  await photo('val64_0015.png').jpeg().withMetadata({ orientation: 6 }).toFile(join(dir, 'rotated.jpg')) // a phone photo: "rotate 90°"
  await photo('val64_0009.png').gif().toFile(join(dir, 'really-a-gif.png'))
  await sharp([await photo('val64_0012.png').png().toBuffer(), await photo('val64_0013.png').png().toBuffer()], { join: { animated: true } })
    .gif().toFile(join(dir, 'animated.gif'))
  writeFileSync(join(dir, 'bomb.png'), await bombHeader())
  await sharp({ create: { width: 20_000, height: SIZE, channels: 3, background: '#808080' } }).png().toFile(join(dir, 'strip.png'))
  writeFileSync(join(dir, 'locked.png'), await photo('val64_0014.png').png().toBuffer())
  chmodSync(join(dir, 'locked.png'), 0)
  symlinkSync(dir, join(dir, 'sub', 'loop')) // a folder that contains itself
  writeFileSync(join(dir, 'notes.txt'), 'not scanned: extension')
}

/** A PNG whose header claims 30000×30000 (900 MP, a decompression bomb) over 64×64 of data; the IHDR CRC is valid. */
async function bombHeader(): Promise<Buffer> {
  const png = Buffer.from(await photo('val64_0015.png').png().toBuffer())
  png.writeUInt32BE(30_000, 16)
  png.writeUInt32BE(30_000, 20)
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29)
  return png
}

describe('scanImageFolder', () => {
  let scan: ImageFolderScan
  beforeAll(async () => {
    await writeMixedFolder(join(tmp, 'mixed'))
    scan = await scanImageFolder(join(tmp, 'mixed'), { imageSizePx: SIZE })
  })

  it('classifies every bad file with its reason', () => {
    const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path.split('/').pop(), s.reason]))
    expect(reasons).toEqual({
      'empty.png': 'zero-byte',
      'noise.png': 'not an image',
      'truncated.jpg': 'corrupt or truncated',
      'small.png': 'smaller than the crop',
      'bomb.png': 'over the size limits',
      'strip.png': 'over the size limits',
      ...(process.getuid?.() === 0 ? {} : { 'locked.png': 'unreadable' }), // root reads every file
    })
    const details = Object.fromEntries(scan.skipped.map((s) => [s.path.split('/').pop(), s.detail]))
    expect(details['bomb.png']).toBe('30000×30000 is 900 megapixels, over the 100 MP limit')
    expect(details['strip.png']).toBe(`20000×${SIZE} has an aspect ratio of 417:1, over the 64:1 limit`)
  })

  it('converts grayscale, CMYK, 16-bit and alpha images and says so', () => {
    const notes = Object.fromEntries(scan.usable.map((e) => [e.path.slice(join(tmp, 'mixed').length + 1), e.notes]))
    expect(notes).toEqual({
      'alpha.png': ['alpha dropped'],
      'animated.gif': ['palette → RGB', 'alpha dropped', 'first of 2 frames'],
      'really-a-gif.png': ['palette → RGB'],
      ...(process.getuid?.() === 0 ? { 'locked.png': [] } : {}),
      'cmyk.jpg': ['CMYK → RGB'],
      'deep.png': ['16-bit → 8-bit'],
      'good.WEBP': [],
      'good.avif': [],
      'good.png': [],
      'gray.png': ['grayscale → RGB'],
      'rotated.jpg': ['EXIF orientation 6 not applied (as the reference)'],
      'sub/good-nested.jpg': [],
      'sub/good.tif': [],
    })
    expect(scan.usable.map((e) => e.path)).toEqual([...scan.usable.map((e) => e.path)].sort()) // deterministic order
  })

  it('stays in the top folder when not recursive', async () => {
    const flat = await scanImageFolder(join(tmp, 'mixed'), { imageSizePx: SIZE, recursive: false })
    expect(flat.usable.some((e) => e.path.includes('sub'))).toBe(false)
    expect(flat.usable).toHaveLength(scan.usable.length - 2)
  })

  it('in header mode accepts the truncated file (left to the loader) and reports progress', async () => {
    const progress: number[] = []
    const fast = await scanImageFolder(join(tmp, 'mixed'), { imageSizePx: SIZE, verify: 'header', onProgress: (done) => progress.push(done) })
    expect(fast.usable.map((e) => e.path)).toContain(join(tmp, 'mixed', 'truncated.jpg'))
    expect(fast.skipped).toHaveLength(scan.skipped.length - 1)
    const total = scan.usable.length + scan.skipped.length
    expect(progress).toEqual(Array.from({ length: total }, (_, i) => i + 1))
  })

  it('stops when its signal is aborted', async () => {
    const ctl = new AbortController()
    ctl.abort(new Error('cancelled by user'))
    await expect(scanImageFolder(join(tmp, 'mixed'), { imageSizePx: SIZE, signal: ctl.signal })).rejects.toThrow('cancelled by user')
  })

  it('formats run-log lines: each skipped file, then the images whose EXIF orientation is not applied', () => {
    const lines = scanNotices(scan)
    expect(lines.at(-1)).toBe(`1 image read as stored, EXIF orientation not applied (as the reference): ${join(tmp, 'mixed', 'rotated.jpg')}`)
    expect(lines).toContain(`skipped ${join(tmp, 'mixed', 'empty.png')}: zero-byte`)
    expect(lines.find((l) => l.includes('small.png'))).toBe(`skipped ${join(tmp, 'mixed', 'small.png')}: smaller than the crop (40×30, shorter side < ${SIZE})`)
  })

  it('accepts a real photo folder whole', async () => {
    const val = await scanImageFolder(`${PHOTOS}/val-64`, { imageSizePx: 64 })
    expect(val.usable).toHaveLength(100)
    expect(val.skipped).toHaveLength(0)
    expect(val.usable[0]).toMatchObject({ h: 64, w: 64, notes: [] })
  })
})

describe('DatasetError', () => {
  it('is thrown for a folder with no usable image, naming the folder and the counts per reason', async () => {
    const dir = join(tmp, 'bad')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.png'), new Uint8Array(0))
    writeFileSync(join(dir, 'b.jpg'), new Uint8Array(0))
    writeFileSync(join(dir, 'c.png'), readFileSync(new URL(import.meta.url)))
    const err = await scanImageFolder(dir, { imageSizePx: SIZE }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DatasetError)
    const e = err as DatasetError
    expect(e.counts).toMatchObject({ 'zero-byte': 2, 'not an image': 1, 'corrupt or truncated': 0 })
    expect(e.skipped).toHaveLength(3)
    expect(e.message).toContain(dir)
    expect(e.message).toContain('2 zero-byte, 1 not an image')
  })

  it('is thrown for a missing folder and for a folder without image files', async () => {
    await expect(scanImageFolder(join(tmp, 'nowhere'), { imageSizePx: SIZE })).rejects.toThrow(/not a folder/)
    mkdirSync(join(tmp, 'text-only'))
    writeFileSync(join(tmp, 'text-only', 'x.txt'), 'x')
    await expect(scanImageFolder(join(tmp, 'text-only'), { imageSizePx: SIZE })).rejects.toThrow(DatasetError)
  })
})
