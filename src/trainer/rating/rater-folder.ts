// The blind half of a rating export: `rater/` holds only index.html and images/<token>.png, every file under a random
// token and padded to one byte size (png-padding.ts), so neither the folder, the file sizes nor the page source tell
// which method made which image (the manifest beside it does).
import { randomBytes, randomInt } from 'node:crypto'
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import type { RatingManifest } from './manifest'
import { ratingPageHtml, type PageData } from './page'
import { paddedSize, padPng } from './png-padding'

export const raterDir = 'rater'

/** A fresh opaque file token: 96 random bits as hex (letters a–f only, so no method id such as jpeg or webp fits in it). */
export const newToken = (): string => randomBytes(12).toString('hex')

/** The rater's copy of a file, relative to the export folder. */
export const raterImage = (token: string): string => join(raterDir, 'images', `${token}.png`)

/** A copy of `xs` in random order (Fisher–Yates with crypto randomness). */
export function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs]
  for (let k = out.length - 1; k > 0; k--) {
    const r = randomInt(k + 1)
    ;[out[k], out[r]] = [out[r], out[k]]
  }
  return out
}

/**
 * The page's trial data: per image the original's token and every pair of its reconstructions' tokens. Images, pairs
 * and the two tokens of each pair are shuffled, so the order of the source says nothing about the export's method order.
 */
export function raterPageData(m: RatingManifest): PageData {
  const images = m.images.map((img) => {
    const tokens = shuffled(m.entries.filter((e) => e.image === img.id).map((e) => e.token))
    const pairs = tokens.flatMap((a, i) => tokens.slice(i + 1).map((b) => shuffled([a, b]) as [string, string]))
    return { id: img.id, original: img.token, pairs: shuffled(pairs) }
  })
  return { exportId: m.exportId, title: m.title, imageSizePx: m.imageSizePx, images: shuffled(images) }
}

/** padPng with the source file named in its error. */
function padRaterCopy(png: Buffer, size: number, from: string): Buffer {
  try {
    return padPng(png, size)
  } catch (e) {
    throw new Error(`${from}: ${(e as Error).message}`)
  }
}

/**
 * (Re)builds `<dir>/rater/` from the files the manifest lists. Each copy is padded to the size of the largest file plus
 * one chunk, so byte sizes do not group the images by method; the listed files themselves stay as they are (the
 * manifest's hashes are theirs). Copies are made in random order and all get one timestamp, so creation order, inode
 * numbers and modification times do not group them either.
 */
export async function writeRaterFolder(dir: string, m: RatingManifest): Promise<void> {
  await rm(join(dir, raterDir), { recursive: true, force: true })
  await mkdir(join(dir, raterDir, 'images'), { recursive: true })
  const files = shuffled([...m.images, ...m.entries].map((f) => ({ from: join(dir, f.file), to: join(dir, raterImage(f.token)) })))
  const size = paddedSize(await Promise.all(files.map(async (f) => (await stat(f.from)).size)))
  const stamp = new Date()
  for (const f of files) {
    await writeFile(f.to, padRaterCopy(await readFile(f.from), size, f.from))
    await utimes(f.to, stamp, stamp)
  }
  await writeFileAtomic(join(dir, raterDir, 'index.html'), ratingPageHtml(raterPageData(m)))
}
