import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import {
  centerCrop, decodeImage, encodePng, fromModelOutput, loadImageTensor, randomCrop, resizeShorterSide, toModelInput, writePng,
  type RgbImage,
} from '../../../src/trainer/data/images'
import { Rng } from '../../../src/trainer/data/rng'
import { PHOTOS } from '../../fixtures/photos'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-images-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** An image whose pixel (y, x) is [y, x, 7]: crops can be read back as coordinates. */
function coordImage(h: number, w: number): RgbImage {
  const rgb = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([y, x, 7], (y * w + x) * 3)
  return { rgb, h, w }
}

describe('pixel mapping', () => {
  it('toModelInput is x = p/127.5 − 1 in CHW and fromModelOutput inverts it for every value', () => {
    const rgb = new Uint8Array(256 * 3)
    for (let i = 0; i < 256; i++) rgb.set([i, 255 - i, (i * 7) % 256], i * 3)
    const x = toModelInput(rgb, 16, 16)
    expect(x[0]).toBe(Math.fround(0 / 127.5 - 1))
    expect(x[256 + 3]).toBe(Math.fround(252 / 127.5 - 1)) // channel 1 of pixel 3
    expect(fromModelOutput(x, 16, 16)).toEqual(rgb)
  })

  it('fromModelOutput clips, rounds to nearest with 0 → 128 (the one exact half), NaN → 0', () => {
    const v = (p: number) => p / 127.5 - 1 // pixel value p in model units
    const chw = Float32Array.from([-3, 3, 0, v(10.6), v(10.4), NaN])
    const rgb = fromModelOutput(Float32Array.from([...chw, ...chw, ...chw]), 1, 6)
    expect(Array.from(rgb).filter((_, i) => i % 3 === 0)).toEqual([0, 255, 128, 11, 10, 0])
  })
})

describe('resize and crop', () => {
  it('resizeShorterSide sets the shorter side and truncates the longer as torchvision', () => {
    expect(resizeShorterSide(coordImage(150, 100), 64)).toMatchObject({ h: 96, w: 64 })
    expect(resizeShorterSide(coordImage(100, 151), 64)).toMatchObject({ h: 64, w: 96 }) // 96.64 → 96
    const same = coordImage(64, 80)
    expect(resizeShorterSide(same, 64)).toBe(same)
  })

  it('centerCrop takes the centre with Python rounding (2.5 → 2, 3.5 → 4)', () => {
    const a = centerCrop(coordImage(6, 8), 3) // offsets (1.5 → 2, 2.5 → 2)
    expect(Array.from(a.rgb.subarray(0, 3))).toEqual([2, 2, 7])
    const b = centerCrop(coordImage(10, 3), 3) // offsets (3.5 → 4, 0)
    expect(Array.from(b.rgb.subarray(0, 3))).toEqual([4, 0, 7])
    expect(Array.from(b.rgb.subarray(-3))).toEqual([6, 2, 7])
  })

  it('randomCrop is reproducible per rng and covers every offset', () => {
    const img = coordImage(6, 5)
    const corner = (r: Rng) => Array.from(randomCrop(img, 4, r).rgb.subarray(0, 2)).join(',')
    expect(corner(Rng.fromSeed(9))).toBe(corner(Rng.fromSeed(9)))
    const rng = Rng.fromSeed(1)
    const seen = new Set(Array.from({ length: 200 }, () => corner(rng)))
    expect(seen).toEqual(new Set(['0,0', '0,1', '1,0', '1,1', '2,0', '2,1']))
  })
})

describe('decodeImage', () => {
  const src = coordImage(40, 50)

  it('drops alpha without flattening, replicates grayscale, keeps the high byte of 16-bit', async () => {
    const rgba = new Uint8Array(40 * 50 * 4)
    for (let i = 0; i < 40 * 50; i++) rgba.set([...src.rgb.subarray(i * 3, i * 3 + 3), 0], i * 4) // fully transparent
    await sharp(rgba, { raw: { width: 50, height: 40, channels: 4 } }).png().toFile(join(tmp, 'rgba.png'))
    expect((await decodeImage(join(tmp, 'rgba.png'))).rgb).toEqual(src.rgb)

    await sharp(src.rgb, { raw: { width: 50, height: 40, channels: 3 } }).extractChannel(1).png().toFile(join(tmp, 'gray.png'))
    const gray = await decodeImage(join(tmp, 'gray.png'))
    for (let i = 0; i < 40 * 50; i++) expect([gray.rgb[i * 3], gray.rgb[i * 3 + 1], gray.rgb[i * 3 + 2]]).toEqual([i % 50, i % 50, i % 50])

    await sharp(src.rgb, { raw: { width: 50, height: 40, channels: 3 } }).toColourspace('rgb16').png().toFile(join(tmp, 'deep.png'))
    expect((await decodeImage(join(tmp, 'deep.png'))).rgb).toEqual(src.rgb)
  })

  it('does not apply EXIF orientation (PIL does not)', async () => {
    await sharp(src.rgb, { raw: { width: 50, height: 40, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(join(tmp, 'rot.jpg'))
    expect((await sharp(join(tmp, 'rot.jpg')).metadata()).orientation).toBe(6)
    expect(await decodeImage(join(tmp, 'rot.jpg'))).toMatchObject({ h: 40, w: 50 })
  })

  it('reads back what writePng and encodePng write', async () => {
    await writePng(join(tmp, 'out.png'), src.rgb, 40, 50)
    expect((await decodeImage(join(tmp, 'out.png'))).rgb).toEqual(src.rgb)
    const { data } = await sharp(await encodePng(src.rgb, 40, 50)).raw().toBuffer({ resolveWithObject: true })
    expect(new Uint8Array(data)).toEqual(src.rgb)
  })
})

describe('loadImageTensor against the reference (Pillow)', () => {
  const fixtures = new URL('../../fixtures/images/', import.meta.url)
  const golden = JSON.parse(readFileSync(new URL('pipeline-golden.json', fixtures), 'utf8')) as { sizePx: number; images: Record<string, string> }

  it.each(Object.keys(golden.images))('matches convert("RGB") → Resize → CenterCrop bit for bit: %s', async (name) => {
    const S = golden.sizePx
    const got = fromModelOutput(await loadImageTensor(new URL(`pipeline/${name}`, fixtures).pathname, S, 'center'), S, S)
    const want = new Uint8Array(Buffer.from(golden.images[name], 'base64'))
    let maxDiff = 0
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]))
    expect(maxDiff).toBe(0)
  })
})

describe('loadImageTensor on real photos', () => {
  it('a 64px photo at 64 is the photo itself', async () => {
    const path = `${PHOTOS}/val-64/val64_0000.png`
    const img = await decodeImage(path)
    expect(await loadImageTensor(path, 64, 'center')).toEqual(toModelInput(img.rgb, 64, 64))
  })

  it('a 256px photo at 64 is close to an independent resize (sharp, linear)', async () => {
    const path = `${PHOTOS}/train-256/train256_0003.png`
    const x = await loadImageTensor(path, 64, 'center')
    const { data } = await sharp(path).resize(64, 64, { kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true })
    const ref = toModelInput(new Uint8Array(data), 64, 64)
    let sum = 0
    for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - ref[i])
    expect(x.length).toBe(3 * 64 * 64)
    expect(sum / x.length).toBeLessThan(0.03) // ≈ 2 grey levels; a channel or orientation mix-up is far above
  })

  it('random crops need an rng and depend only on it', async () => {
    const path = `${PHOTOS}/val-64/val64_0001.png`
    await expect(loadImageTensor(path, 48, 'random')).rejects.toThrow(/rng/)
    const a = await loadImageTensor(path, 48, 'random', Rng.fromSeed(5))
    expect(await loadImageTensor(path, 48, 'random', Rng.fromSeed(5))).toEqual(a)
  })
})
