// Rating export on four small fixture photos: folder layout, manifest JSON/CSV with hashes and metrics, progress,
// resume after a crash (only missing files are made, corrupted ones remade), and clear errors that leave no manifest.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { codecMethod } from '../../../src/trainer/baselines/codecs'
import type { Method } from '../../../src/trainer/baselines/method'
import { sha256 } from '../../../src/trainer/rating/export-files'
import { exportForRating, imageIds, type ExportProgress, type ExportRequest } from '../../../src/trainer/rating/export'
import { parseManifest } from '../../../src/trainer/rating/manifest'

const failures = vi.hoisted(() => ({ writeFile: null as null | ((path: string) => NodeJS.ErrnoException | null), mkdir: null as null | NodeJS.ErrnoException }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...fs,
    writeFile: (path: string, ...rest: unknown[]) => {
      const error = failures.writeFile?.(String(path))
      return error ? Promise.reject(error) : (fs.writeFile as (...a: unknown[]) => Promise<void>)(path, ...rest)
    },
    mkdir: (...args: Parameters<typeof fs.mkdir>) => (failures.mkdir ? Promise.reject(failures.mkdir) : fs.mkdir(...args)),
  }
})

const fixtures = fileURLToPath(new URL('../../fixtures/images/pipeline/', import.meta.url))
const images = imageIds(['photo.jpg', 'photo.webp', 'gray.png', 'alpha.png'].map((f) => join(fixtures, f)))
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code })

/** Returns the input unchanged (PSNR ∞), counting the images it saw; throws after `failAfter` images. */
function identity(seen: string[], failAfter = Infinity): Method {
  return {
    id: 'identity', label: 'Identity', settings: { lossless: true }, bpp: () => 24,
    async reconstruct(imgs, context = {}) {
      imgs.forEach((_, i) => seen.push(String((context.firstIndex ?? 0) + i)))
      if (seen.length > failAfter) throw new Error('simulated crash')
      return imgs.map((image) => ({ image, bpp: 24, settings: {} }))
    },
    async dispose() {},
  }
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rating-export-'))
  failures.writeFile = null
  failures.mkdir = null
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const request = (methods: Method[], extra: Partial<ExportRequest> = {}): ExportRequest => ({ images, methods, imageSizePx: 32, out: join(dir, 'export'), batch: 3, ...extra })

describe('exportForRating', () => {
  it('writes originals, reconstructions, manifests and the page, with hashes, metrics and progress', async () => {
    const progress: ExportProgress[] = []
    const report = await exportForRating(request([codecMethod('jpeg', () => 2), identity([])], { onProgress: (p) => progress.push(p) }))
    const out = join(dir, 'export')
    expect(existsSync(`${out}.partial`)).toBe(false)
    expect((await readdir(out)).sort()).toEqual(['index.html', 'manifest.csv', 'manifest.json', 'originals', 'recon'])
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest.json')
    expect(m.images.map((i) => i.id)).toEqual(['photo', 'photo-2', 'gray', 'alpha'])
    expect(m.entries.length).toBe(8)
    for (const f of [...m.images.map((i) => [i.file, i.sha256]), ...m.entries.map((e) => [e.file, e.sha256])]) {
      expect(sha256(await readFile(join(out, f[0])))).toBe(f[1])
    }
    const jpeg = m.entries.filter((e) => e.method === 'jpeg')
    jpeg.forEach((e) => expect(e.bpp).toBe(e.settings.bytes as number * 8 / 1024))
    jpeg.forEach((e) => expect(e.psnr).toBeGreaterThan(15))
    m.entries.filter((e) => e.method === 'identity').forEach((e) => expect([e.psnr, e.ssim]).toEqual([Infinity, 1]))
    const csv = (await readFile(join(out, 'manifest.csv'), 'utf8')).trim().split('\n')
    expect(csv[0]).toBe('image_id,method,file,bpp,psnr_db,ssim,sha256,settings')
    expect(csv.length).toBe(1 + 4 + 8)
    expect(csv.find((l) => l.startsWith('gray,identity,'))).toContain(',inf,1,')
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(progress.every((p) => p.total === 12 && !p.reused)).toBe(true)
    expect([report.written, report.reused]).toEqual([12, 0])
  })

  it('resumes an interrupted export: verified files are kept, missing or corrupted ones are made again', async () => {
    const seen: string[] = []
    await expect(exportForRating(request([codecMethod('webp', () => 3), identity(seen, 3)]))).rejects.toThrow(/simulated crash/)
    const partial = join(dir, 'export.partial')
    expect(existsSync(join(partial, 'manifest.json'))).toBe(false)
    expect(existsSync(join(dir, 'export'))).toBe(false)
    await writeFile(join(partial, 'recon', 'webp', 'photo.png'), 'corrupted')
    const again: string[] = []
    const report = await exportForRating(request([codecMethod('webp', () => 3), identity(again)]))
    expect(again).toEqual(['3']) // images 0-2 were written by the first run; the crash came on image 3
    expect(report.reused).toBe(4 + 3 + 3) // originals, identity 0-2, webp of all but the corrupted photo
    expect(report.written).toBe(2) // webp photo, identity 3
    const m = parseManifest(await readFile(join(dir, 'export', 'manifest.json'), 'utf8'), 'm')
    const webpPhoto = m.entries.find((e) => e.method === 'webp' && e.image === 'photo')!
    expect(sha256(await readFile(join(dir, 'export', webpPhoto.file)))).toBe(webpPhoto.sha256)
    expect(existsSync(join(dir, 'export', 'journal.jsonl'))).toBe(false)
  })

  it('disk full while writing the manifest: clear error, no manifest, resumable', async () => {
    failures.writeFile = (p) => (p.includes('manifest.json') ? errno('ENOSPC') : null)
    await expect(exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))).rejects.toThrow(
      /disk full while writing .*manifest\.json \(ENOSPC\); free some space, then run the same export again to resume from .*export\.partial/,
    )
    const left = await readdir(join(dir, 'export.partial'))
    expect(left.filter((f) => f.includes('manifest.json'))).toEqual([]) // neither the manifest nor its temp file
    failures.writeFile = null
    const report = await exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))
    expect([report.written, report.reused]).toEqual([0, 12])
  })

  it('an unwritable folder is one clear error', async () => {
    failures.mkdir = errno('EACCES')
    await expect(exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))).rejects.toThrow(
      /cannot write .*export\.partial.* the folder is not writable \(EACCES\); choose another output folder/,
    )
  })

  it('an output path through a file (a real file-system error) is one clear error', async () => {
    await writeFile(join(dir, 'file'), 'x')
    await expect(exportForRating(request([codecMethod('jpeg', () => 2), identity([])], { out: join(dir, 'file', 'export') }))).rejects.toThrow(
      /cannot write .*file\/export\.partial.*: a part of the path is a file, not a folder \(ENOTDIR\)/,
    )
  })

  it('refuses an existing output, a partial folder of another request, and fewer than two methods', async () => {
    await expect(exportForRating(request([identity([])]))).rejects.toThrow(/at least two methods, got 1/)
    await expect(exportForRating(request([identity([]), identity([])]))).rejects.toThrow(/method ids must be unique/)
    await exportForRating(request([codecMethod('jpeg', () => 2), identity([], 0)])).catch(() => {})
    await expect(exportForRating(request([codecMethod('jpeg', () => 1), identity([])]))).rejects.toThrow(/holds an unfinished export of different images, methods or settings/)
    await rm(join(dir, 'export.partial'), { recursive: true })
    await exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))
    await expect(exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))).rejects.toThrow(/export already exists/)
  })
})

describe('imageIds', () => {
  it('makes safe unique ids from file names', () => {
    expect(imageIds(['a/B c.JPG', 'b/b c.png', 'x/.png', 'y/é.png']).map((i) => i.id)).toEqual(['b-c', 'b-c-2', 'png', 'image'])
  })
})
