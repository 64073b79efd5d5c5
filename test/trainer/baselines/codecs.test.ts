// Codecs at a matched bit rate on a real 32² photo crop: search vs a brute-force scan over every quality,
// actual BPP from the file, decoded reconstruction, no metadata in the files, the floor flag.
import sharp from 'sharp'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { bitsPerPixel } from '../../../src/trainer/baselines/bitrate-search'
import { codecMethod, encodeAt, matchBitrate, type CodecName } from '../../../src/trainer/baselines/codecs'
import { centerCrop, decodeImage, resizeShorterSide, type RgbImage } from '../../../src/trainer/data/images'
import { psnr } from '../../../src/trainer/metrics/psnr'

const photo = fileURLToPath(new URL('../../fixtures/images/pipeline/photo.jpg', import.meta.url))
const SIZE = 32
let img: RgbImage

beforeAll(async () => {
  img = centerCrop(resizeShorterSide(await decodeImage(photo), SIZE), SIZE)
})

async function allSizes(codec: CodecName): Promise<number[]> {
  const sizes: number[] = []
  for (let q = 1; q <= 100; q++) sizes.push((await encodeAt(img, codec, q)).data.length)
  return sizes
}

const psnrDb = (a: RgbImage, b: RgbImage): number =>
  psnr({ layout: 'nhwc-u8', data: a.rgb, shape: [1, a.h, a.w, 3] }, { layout: 'nhwc-u8', data: b.rgb, shape: [1, b.h, b.w, 3] }, { convention: 'per-image', quantise: 'none' }).value

describe.each(['jpeg', 'webp', 'avif'] as const)('%s at a matched bit rate', (codec) => {
  it('lands on the brute-force closest BPP for targets across the range', async () => {
    const sizes = await allSizes(codec)
    const bpps = sizes.map((b) => bitsPerPixel(b, SIZE * SIZE))
    const lo = Math.min(...bpps)
    const hi = Math.max(...bpps)
    for (let f = 0.003; f < 0.9; f += 0.037) {
      const target = lo + f * (hi - lo)
      const m = await matchBitrate(img, codec, target)
      expect(Math.abs(m.bpp - target)).toBe(Math.min(...bpps.map((b) => Math.abs(b - target))))
      expect(m.bpp).toBe((m.file.length * 8) / (SIZE * SIZE)) // actual BPP of the returned file
      expect(m.bytes).toBe(sizes[m.quality - 1])
      expect(m.belowFloor || m.aboveCeiling).toBe(false)
    }
  })

  it('decodes the chosen file into the reconstruction, without metadata', async () => {
    const m = await matchBitrate(img, codec, 3)
    expect([m.image.h, m.image.w]).toEqual([SIZE, SIZE])
    const decoded = await sharp(m.file).raw().toBuffer()
    expect(Buffer.from(m.image.rgb).equals(decoded)).toBe(true)
    const meta = await sharp(m.file).metadata()
    expect(meta.exif).toBeUndefined()
    expect(meta.icc).toBeUndefined()
    expect(psnrDb(m.image, img)).toBeGreaterThan(18) // lossy, but an image of the input
    expect(psnrDb(m.image, img)).toBeLessThan(60)
  })

  it('flags a target below the codec floor and returns its smallest file', async () => {
    const m = await matchBitrate(img, codec, 0.0703)
    expect(m.belowFloor).toBe(true)
    expect(m.bpp).toBeGreaterThan(0.0703)
    expect(m.bpp).toBe(Math.min(...m.probes.map((p) => p.bpp)))
  })
})

describe('codecMethod', () => {
  it('reconstructs each image at the target rate and reports the actual BPP and quality', async () => {
    const method = codecMethod('jpeg', () => 4)
    const [r] = await method.reconstruct([img])
    expect(method.bpp(SIZE)).toBe(4)
    expect(r.bpp).toBeCloseTo(4, 0)
    expect(r.settings.quality).toBeGreaterThanOrEqual(1)
    expect(r.settings.targetBpp).toBe(4)
    const [below, above] = [r.settings.bppBelowTarget as number, r.settings.bppAboveTarget as number]
    expect(below).toBeLessThanOrEqual(4)
    expect(above).toBeGreaterThanOrEqual(4)
    expect([below, above]).toContain(r.bpp) // the closer of the two files around the target
    await expect(method.reconstruct([img, { rgb: new Uint8Array(16 * 8 * 3), h: 16, w: 8 }])).rejects.toThrow(/square images of one size/)
  })
})
