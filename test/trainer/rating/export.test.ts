// Rating export on four small fixture photos: folder layout, manifest JSON/CSV with hashes, tokens and metrics, a
// blind rater/ folder (no method id or name in any byte), progress, resume after a crash (only missing files are made,
// corrupted ones remade, tokens kept), ratings from the written page mapped back to methods, and clear errors.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { codecMethod } from '../../../src/trainer/baselines/codecs'
import type { Method } from '../../../src/trainer/baselines/method'
import { sha256 } from '../../../src/trainer/rating/export-files'
import { exportForRating, imageIds, type ExportProgress, type ExportRequest } from '../../../src/trainer/rating/export'
import { readJournal } from '../../../src/trainer/rating/export-journal'
import { importRatings } from '../../../src/trainer/rating/import'
import { parseManifest, ratingsFormat, ratingsVersion } from '../../../src/trainer/rating/manifest'
import type { PageData } from '../../../src/trainer/rating/page'

const failures = vi.hoisted(() => ({ writeFile: null as null | ((path: string) => NodeJS.ErrnoException | null), mkdir: null as null | NodeJS.ErrnoException }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...fs,
    writeFile: (path: string, ...rest: unknown[]) => {
      const error = failures.writeFile?.(String(path))
      return error ? Promise.reject(error) : (fs.writeFile as (...a: unknown[]) => Promise<void>)(path, ...rest)
    },
    open: async (path: string, ...rest: unknown[]) => { // atomic writes write through a handle
      const handle = await (fs.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(path, ...rest)
      const error = failures.writeFile?.(String(path))
      if (error) handle.writeFile = () => Promise.reject(error)
      return handle
    },
    mkdir: (...args: Parameters<typeof fs.mkdir>) => (failures.mkdir ? Promise.reject(failures.mkdir) : fs.mkdir(...args)),
  }
})

const fixtures = fileURLToPath(new URL('../../fixtures/images/pipeline/', import.meta.url))
const images = imageIds(['photo.jpg', 'photo.webp', 'gray.png', 'alpha.png'].map((f) => join(fixtures, f)))
/** Every file below `root`, as paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)))
}

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
    expect((await readdir(out)).sort()).toEqual(['manifest.csv', 'manifest.json', 'originals', 'rater', 'recon'])
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest.json')
    expect(m.images.map((i) => i.id)).toEqual(['photo', 'photo-2', 'gray', 'alpha'])
    expect(m.entries.length).toBe(8)
    const raterSizes = new Set<number>()
    for (const f of [...m.images, ...m.entries]) {
      const [file, copy] = [await readFile(join(out, f.file)), await readFile(join(out, 'rater', 'images', `${f.token}.png`))]
      expect(sha256(file)).toBe(f.sha256)
      expect(copy.subarray(0, file.length - 12).equals(file.subarray(0, file.length - 12))).toBe(true) // the rater's copy, padded
      raterSizes.add(copy.length)
    }
    expect(raterSizes.size).toBe(1) // file sizes do not group the rater's images by method
    expect(new Set([...m.images, ...m.entries].map((f) => f.token)).size).toBe(12)
    const jpeg = m.entries.filter((e) => e.method === 'jpeg')
    jpeg.forEach((e) => expect(e.bpp).toBe(e.settings.bytes as number * 8 / 1024))
    jpeg.forEach((e) => expect(e.psnr).toBeGreaterThan(15))
    m.entries.filter((e) => e.method === 'identity').forEach((e) => expect([e.psnr, e.ssim]).toEqual([Infinity, 1]))
    const csv = (await readFile(join(out, 'manifest.csv'), 'utf8')).trim().split('\n')
    expect(csv[0]).toBe('image_id,method,file,token,bpp,psnr_db,ssim,sha256,settings')
    expect(csv.length).toBe(1 + 4 + 8)
    expect(csv.find((l) => l.startsWith('gray,identity,'))).toContain(',inf,1,')
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(progress.every((p) => p.total === 12 && !p.reused)).toBe(true)
    expect([report.written, report.reused]).toEqual([12, 0])
  })

  it('rater/ holds only the page and token-named images: no method id, name, path or rate in any byte', async () => {
    const methods = [codecMethod('jpeg', () => 2), identity([])]
    await exportForRating(request(methods, { title: 'Which is closer?' }))
    const out = join(dir, 'export')
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest.json')
    const files = await filesUnder(join(out, 'rater'))
    expect(files.sort()).toEqual(['index.html', ...[...m.images, ...m.entries].map((f) => `images/${f.token}.png`)].sort())
    const secrets = methods.flatMap((x) => [x.id, x.label]).map((w) => w.toLowerCase())
    for (const f of files) {
      const bytes = (await readFile(join(out, 'rater', f), 'latin1')).toLowerCase()
      for (const w of secrets) expect(bytes.includes(w), `${w} in rater/${f}`).toBe(false)
    }
    const html = await readFile(join(out, 'rater', 'index.html'), 'utf8')
    const rates = m.entries.map((e) => String(e.bpp)).filter((r) => r.includes('.')) // the codec's fractional rates
    expect(rates.length).toBe(4)
    for (const w of ['recon/', 'originals/', fixtures, 'bpp', 'psnr', ...rates]) expect(html).not.toContain(w)
  })

  it('ratings made on the written page import back to the right methods; a foreign file or token is refused', async () => {
    await exportForRating(request([codecMethod('jpeg', () => 2), identity([])]))
    const out = join(dir, 'export')
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest.json')
    const html = await readFile(join(out, 'rater', 'index.html'), 'utf8')
    const data = JSON.parse(/id="export-data">([\s\S]*?)<\/script>/.exec(html)![1]) as PageData
    const method = (token: string) => m.entries.find((e) => e.token === token)!.method
    const ratings = data.images.flatMap((img) => img.pairs.map((pair) => { // the rater always picks the exact copy
      const side = method(pair[0]) === 'identity' ? 'left' : 'right'
      return { trial: 0, image: img.id, pair, left: pair[0], right: pair[1], side, choice: pair[side === 'left' ? 0 : 1], ms: 900, flips: 1 }
    }))
    const file = (name: string, o: object) => writeFile(join(dir, name), JSON.stringify({ format: ratingsFormat, version: ratingsVersion, exportId: m.exportId, sessionId: name, ratings, ...o }))
    await file('r.json', {})
    const report = await importRatings([join(dir, 'r.json')], out)
    expect(report.methods.map((x) => [x.id, x.wins, x.comparisons])).toEqual([['identity', 4, 4], ['jpeg', 0, 4]])
    await file('foreign.json', { exportId: 'another-export' })
    await expect(importRatings([join(dir, 'foreign.json')], out)).rejects.toThrow(/foreign\.json: these ratings were made on another export \(export id another-export\)/)
    await file('forged.json', { ratings: [{ ...ratings[0], pair: [m.images[0].token, ratings[0].pair[1]] }] })
    await expect(importRatings([join(dir, 'forged.json')], out)).rejects.toThrow(/ratings\[0\]: token\(s\) ".*" are not reconstructions of this export/)
  })

  it('resumes an interrupted export: verified files are kept, missing or corrupted ones are made again', async () => {
    const seen: string[] = []
    await expect(exportForRating(request([codecMethod('webp', () => 3), identity(seen, 3)]))).rejects.toThrow(/simulated crash/)
    const partial = join(dir, 'export.partial')
    expect(existsSync(join(partial, 'manifest.json'))).toBe(false)
    const tokens = new Map([...(await readJournal(partial)).values()].map((r) => (r.kind === 'original' ? [`original/${r.image.id}`, r.image.token] : [`${r.entry.method}/${r.entry.image}`, r.entry.token])))
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
    const kept = [...m.images.map((i) => [`original/${i.id}`, i.token]), ...m.entries.map((e) => [`${e.method}/${e.image}`, e.token])].filter(([k]) => k !== 'webp/photo')
    expect(tokens.size).toBe(4 + 3 + 3 + 1) // the corrupted webp photo is in the journal, its file is not
    for (const [k, t] of kept) if (tokens.has(k)) expect(t).toBe(tokens.get(k)) // a kept file keeps its token
    expect(webpPhoto.token).not.toBe(tokens.get('webp/photo')) // a remade file gets a fresh one
    expect((await readdir(join(dir, 'export', 'rater', 'images'))).length).toBe(12) // rebuilt: no stale copy
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

  it('refuses a title that names a method (id, label or a tokenizer\'s bare name; any case) before making anything', async () => {
    const methods = [codecMethod('jpeg', () => 2), identity([])]
    await expect(exportForRating(request(methods, { title: 'Identity vs jpeg' }))).rejects.toThrow(
      'the title names methods (jpeg, identity): raters would see them; choose a neutral title',
    )
    await expect(exportForRating(request(methods, { title: 'A JPEG AT MATCHED BIT RATE study' }))).rejects.toThrow(/the title names methods \(jpeg\)/)
    const tokenizer = { ...identity([]), id: 'onnx-titok', label: 'TiTok (ONNX, 32 tokens × 12 bits)' }
    await expect(exportForRating(request([methods[0], tokenizer], { title: 'titok study' }))).rejects.toThrow(/the title names methods \(onnx-titok\)/)
    expect(await readdir(dir)).toEqual([])
    await exportForRating(request(methods, { title: 'Which is closer to the original?' }))
    expect(parseManifest(await readFile(join(dir, 'export', 'manifest.json'), 'utf8'), 'm').title).toBe('Which is closer to the original?')
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
