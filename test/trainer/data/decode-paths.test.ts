// One decode path: an upload's bytes decode exactly as the same file by path (the inspector's registry included) for
// CMYK JPEG, 16-bit PNG, alpha, palette, animated GIF (first frame) and an EXIF-rotated JPEG; bad input is one line
// naming the file, refused from the header before any pixel is decoded.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BadImageError, decodeImage } from '../../../src/trainer/data/images'
import { ImageRegistry } from '../../../src/trainer/inspect/image-registry'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-decode-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const photo = (name: string) => sharp(join(goldenDir(), '..', 'data', 'photos', 'val-64', name))
const files: Record<string, string> = {}

beforeAll(async () => {
  const write = async (name: string, image: sharp.Sharp) => { files[name] = join(tmp, name); await image.toFile(files[name]) }
  await write('cmyk.jpg', photo('val64_0001.png').toColourspace('cmyk').jpeg())
  await write('deep.png', photo('val64_0002.png').toColourspace('rgb16').png())
  await write('alpha.png', photo('val64_0003.png').ensureAlpha(0.3).png())
  await write('palette.png', photo('val64_0004.png').png({ palette: true, colours: 16 }))
  await write('rotated.jpg', photo('val64_0005.png').jpeg().withMetadata({ orientation: 6 }))
  const frames = [await photo('val64_0006.png').png().toBuffer(), await photo('val64_0007.png').png().toBuffer()]
  await write('animated.gif', sharp(frames, { join: { animated: true } }).gif())
})

describe('decodeImage: paths and uploads', () => {
  it('decodes every odd but valid kind identically by path, by bytes and through the inspector upload', async () => {
    const registry = new ImageRegistry()
    for (const [name, path] of Object.entries(files)) {
      const byPath = await decodeImage(path)
      const bytes = new Uint8Array(readFileSync(path))
      expect(await decodeImage(bytes, name), name).toEqual(byPath)
      const [a, b] = [await registry.openPath(path), await registry.openUpload({ name, bytes })]
      expect([b.h, b.w, b.thumbnail], name).toEqual([a.h, a.w, a.thumbnail])
      expect(registry.modelInput(b.imageId, 32), name).toEqual(registry.modelInput(a.imageId, 32))
    }
  })

  it('gives an animated GIF\'s first frame, a palette as RGB, a CMYK JPEG through Pillow\'s arithmetic', async () => {
    const first = await photo('val64_0006.png').removeAlpha().raw().toBuffer()
    const gif = await decodeImage(files['animated.gif'])
    expect([gif.h, gif.w]).toEqual([64, 64])
    const meanDiff = gif.rgb.reduce((s, v, i) => s + Math.abs(v - first[i]), 0) / first.length
    expect(meanDiff).toBeLessThan(12) // GIF's 256-colour palette, not the second frame (a different photo)
    const cmyk = await decodeImage(files['cmyk.jpg'])
    const { data } = await sharp(files['cmyk.jpg'], { ignoreIcc: true }).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true })
    const k = 255 - data[3]
    expect(cmyk.rgb[0]).toBe(Math.round(k - (data[0] * k) / 255)) // Pillow cmyk2rgb on the first pixel (± its integer rounding)
  })

  it('refuses bad input in one line naming the file: empty, not an image, truncated, bomb header, extreme aspect', async () => {
    const png = Buffer.from(readFileSync(files['alpha.png']))
    const bomb = Buffer.from(png)
    bomb.writeUInt32BE(30_000, 16)
    bomb.writeUInt32BE(30_000, 20)
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29)
    const strip = await sharp({ create: { width: 1, height: 20_000, channels: 3, background: '#000' } }).png().toBuffer()
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty.png', new Uint8Array(0), /^empty\.png: empty file \(0 bytes\)$/],
      ['text.jpg', new TextEncoder().encode('hello, not an image at all'), /^text\.jpg: not an image \(unknown format\)$/],
      ['cut.png', png.subarray(0, png.length >> 1), /^cut\.png: corrupt or truncated image \(.+\)$/],
      ['bomb.png', bomb, /^bomb\.png: 30000×30000 is 900 megapixels, over the 100 MP limit$/],
      ['strip.png', strip, /^strip\.png: 1×20000 has an aspect ratio of 20000:1, over the 64:1 limit$/],
    ]
    for (const [name, bytes, message] of cases) {
      const error = await decodeImage(bytes, name).catch((e: unknown) => e)
      expect(error, name).toBeInstanceOf(BadImageError)
      expect((error as Error).message, name).toMatch(message)
      writeFileSync(join(tmp, name), bytes)
      const byPath = (await decodeImage(join(tmp, name)).catch((e: Error) => e)) as BadImageError
      expect(byPath.message.startsWith(`${join(tmp, name)}: ${(error as BadImageError).reason.split(' (')[0]}`), byPath.message).toBe(true)
    }
    await expect(decodeImage(join(tmp, 'missing.png'))).rejects.toThrow(`${join(tmp, 'missing.png')}: does not exist`)
  })
})
