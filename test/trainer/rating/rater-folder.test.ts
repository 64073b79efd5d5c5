// The blind rater folder: page data with every pair of an image's tokens in random order and nothing about methods,
// token-named copies of exactly the listed files, padded to one byte size (sources untouched), with one shared
// timestamp, and a rebuild that leaves no stale file.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RatingManifest } from '../../../src/trainer/rating/manifest'
import { newToken, raterImage, raterPageData, writeRaterFolder } from '../../../src/trainer/rating/rater-folder'

const methods = ['flowmo', 'jpeg', 'webp']
const imageIds = ['a', 'b']
const token = (image: string, method: string): string => `${image === 'a' ? '0a' : '0b'}${methods.indexOf(method) + 1}`.padEnd(24, '0')

const manifest: RatingManifest = {
  format: 'flowmo-rating-export', version: 2, exportId: 'e-1', createdAt: '', title: 'Study', imageSizePx: 32, metrics: { psnr: '', ssim: '' },
  methods: methods.map((id) => ({ id, label: `${id.toUpperCase()} label`, bpp: 0.25, settings: {} })),
  images: imageIds.map((id) => ({ id, source: `/photos/${id}.png`, file: `originals/${id}.png`, token: `${id}${id}`.padEnd(24, 'f'), sha256: '' })),
  entries: imageIds.flatMap((image) => methods.map((method) => ({
    image, method, file: `recon/${method}/${image}.png`, token: token(image, method), sha256: '', bpp: 0.123456, psnr: 20, ssim: 0.5, settings: { quality: 77 },
  }))),
}

describe('raterPageData', () => {
  it('lists every pair of each image once, by token only', () => {
    const data = raterPageData(manifest)
    expect(data.images.map((i) => i.id).sort()).toEqual(imageIds)
    for (const img of data.images) {
      expect(img.original).toBe(manifest.images.find((i) => i.id === img.id)!.token)
      const unordered = img.pairs.map((p) => [...p].sort().join('|')).sort()
      const tokens = methods.map((m) => token(img.id, m))
      expect(unordered).toEqual([[tokens[0], tokens[1]], [tokens[0], tokens[2]], [tokens[1], tokens[2]]].map((p) => p.sort().join('|')).sort())
    }
    const json = JSON.stringify(data)
    for (const word of [...methods, 'label', 'recon', 'originals', '/photos', '0.25', '0.123456', 'quality']) expect(json).not.toContain(word)
  })

  it('shuffles pairs and the tokens in them, so the source order says nothing about the method order', () => {
    const firsts = new Set(Array.from({ length: 100 }, () => raterPageData(manifest).images.find((i) => i.id === 'a')!.pairs[0][0]))
    expect(firsts.size).toBe(3) // each of the three reconstructions comes first sometimes
  })
})

/** A PNG whose size depends on `seed`: more seed, more noise, a bigger file. */
function png(seed: number): Promise<Buffer> {
  const rgb = Buffer.alloc(16 * 16 * 3, 100)
  for (let i = 0; i < seed * 40; i++) rgb[i] = (i * 7919 + seed) % 253
  return sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer()
}

describe('writeRaterFolder', () => {
  let dir: string
  const sources = new Map<string, Buffer>()
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rater-folder-'))
    for (const [n, f] of [...manifest.images, ...manifest.entries].entries()) {
      sources.set(f.file, await png(n))
      await mkdir(join(dir, f.file, '..'), { recursive: true })
      await writeFile(join(dir, f.file), sources.get(f.file)!)
    }
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('copies exactly the listed files under their tokens, padded to one size, with one timestamp, beside index.html', async () => {
    await mkdir(join(dir, 'rater', 'images'), { recursive: true })
    await writeFile(join(dir, 'rater', 'images', 'stale.png'), 'from an earlier attempt')
    await writeRaterFolder(dir, manifest)
    expect((await readdir(join(dir, 'rater'))).sort()).toEqual(['images', 'index.html'])
    const files = [...manifest.images, ...manifest.entries]
    expect((await readdir(join(dir, 'rater', 'images'))).sort()).toEqual(files.map((f) => `${f.token}.png`).sort())
    expect(new Set([...sources.values()].map((b) => b.length)).size).toBeGreaterThan(3)
    const sizes = new Set<number>()
    for (const f of files) {
      const [source, copy] = [sources.get(f.file)!, await readFile(join(dir, raterImage(f.token)))]
      expect((await readFile(join(dir, f.file))).equals(source)).toBe(true) // the source is left as it was
      expect(copy.subarray(0, source.length - 12).equals(source.subarray(0, source.length - 12))).toBe(true) // all but IEND
      expect((await sharp(copy).raw().toBuffer()).equals(await sharp(source).raw().toBuffer())).toBe(true)
      sizes.add(copy.length)
    }
    expect([...sizes]).toEqual([Math.max(...[...sources.values()].map((b) => b.length)) + 12])
    const mtimes = await Promise.all(files.map(async (f) => (await stat(join(dir, raterImage(f.token)))).mtimeMs))
    expect(new Set(mtimes).size).toBe(1)
    expect(await readFile(join(dir, 'rater', 'index.html'), 'utf8')).toContain('"exportId":"e-1"')
  })

  it('a listed file that is not a PNG is refused, naming it', async () => {
    await writeFile(join(dir, 'recon', 'jpeg', 'b.png'), 'not an image')
    await expect(writeRaterFolder(dir, manifest)).rejects.toThrow(/recon\/jpeg\/b\.png: not a PNG file/)
  })
})

describe('newToken', () => {
  it('is 24 lower-case hex digits and never repeats', () => {
    const tokens = Array.from({ length: 1000 }, newToken)
    expect(tokens.every((t) => /^[0-9a-f]{24}$/.test(t))).toBe(true)
    expect(new Set(tokens).size).toBe(1000)
  })
})
