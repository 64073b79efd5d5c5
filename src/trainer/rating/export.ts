// Batch export for human evaluation: images × methods → <out>/ with originals/, recon/<method>/ and manifest JSON/CSV
// for the researcher, and the blind rater/ (rater-folder.ts). Built in <out>.partial/, resumable (export-journal.ts keeps
// tokens); at the end rater/, manifest.csv and manifest.json (the last file, temp + rename), then the rename to <out>.
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { reconstructionScores } from '../baselines/compare'
import { assertMethodId, type Method, type Reconstruction } from '../baselines/method'
import { BadImageError, centerCrop, decodeImage, encodePng, resizeShorterSide, type RgbImage } from '../data/images'
import { writeFileAtomic } from '../atomic-file'
import { describeFsError, ExportError, sha256 } from './export-files'
import { appendJournal, claimPartial, journalFile, readJournal, recordKey, requestFile, type JournalRecord } from './export-journal'
import { manifestCsv, manifestFormat, manifestJson, manifestVersion, metricDescriptions, type ManifestEntry, type ManifestImage, type RatingManifest } from './manifest'
import { newToken, raterDir, writeRaterFolder } from './rater-folder'

export interface ExportImage {
  readonly id: string // file-name safe, unique (see imageIds)
  readonly path: string // source file; resized (shorter side) and centre-cropped to imageSizePx
}

export interface ExportProgress {
  readonly done: number // files written or verified, originals included
  readonly total: number // images × (1 + methods)
  readonly image: string
  readonly method: string // 'original' or a method id
  readonly reused: boolean // already there from an interrupted run, hash verified
}

export interface ExportRequest {
  readonly images: readonly ExportImage[]
  readonly methods: readonly Method[] // at least two
  readonly imageSizePx: number // e.g. the tokenizer's 256
  readonly out: string // final folder; must not exist yet
  readonly title?: string // shown on the rating page; must not name a method (assertNeutralTitle)
  readonly batch?: number // images per reconstruct call, default 4
  readonly onProgress?: (p: ExportProgress) => void
  readonly signal?: AbortSignal
}

export interface ExportReport {
  readonly out: string
  readonly manifest: RatingManifest
  readonly written: number // files made in this run
  readonly reused: number // files kept from an interrupted run
}

/** Safe, unique ids from file names: `photos/a b.jpg` → `a-b`; repeats get `-2`, `-3`. */
export function imageIds(paths: readonly string[]): ExportImage[] {
  const seen = new Set<string>()
  return paths.map((path) => {
    const stem = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'image'
    let id = stem
    for (let n = 2; seen.has(id); n++) id = `${stem}-${n}`
    seen.add(id)
    return { id, path }
  })
}

export async function exportForRating(req: ExportRequest): Promise<ExportReport> {
  const bpps = validateRequest(req)
  const partial = `${req.out}.partial`
  const guard = guardFs(`run the same export again to resume from ${partial}`)
  if (existsSync(req.out)) throw new ExportError(`${req.out} already exists; choose another output folder or delete it`)
  for (const dir of ['originals', ...req.methods.map((m) => join('recon', m.id))]) {
    await guard(join(partial, dir), (p) => mkdir(p, { recursive: true }))
  }
  const fingerprint = sha256(JSON.stringify({ layout: manifestVersion, size: req.imageSizePx, images: req.images, methods: req.methods.map((m, i) => [m.id, m.settings, bpps[i]]) }))
  await guard(join(partial, requestFile), () => claimPartial(partial, fingerprint))
  const done = await guard(join(partial, journalFile), () => readJournal(partial))
  const run = new ExportRun(req, partial, done, guard)
  const batch = req.batch ?? 4
  for (let first = 0; first < req.images.length; first += batch) {
    req.signal?.throwIfAborted()
    await run.chunk(first, Math.min(req.images.length, first + batch))
  }
  const manifest = run.manifest(bpps)
  await guard(join(partial, raterDir), () => writeRaterFolder(partial, manifest))
  await guard(join(partial, 'manifest.csv'), (p) => writeFileAtomic(p, manifestCsv(manifest)))
  await guard(join(partial, 'manifest.json'), (p) => writeFileAtomic(p, manifestJson(manifest)))
  await guard(partial, async () => {
    await rm(join(partial, journalFile), { force: true })
    await rm(join(partial, requestFile), { force: true })
    await rename(partial, req.out)
  })
  return { out: req.out, manifest, written: run.written, reused: run.reused }
}

/**
 * Refuses a page title that names a method (its id, its label, or the label's name before a parenthesis, as in
 * "TiTok (ONNX, …)"; any case): raters see the title, so "FlowMo vs JPEG" would tell them what is being compared.
 */
export function assertNeutralTitle(title: string | undefined, methods: readonly Pick<Method, 'id' | 'label'>[]): void {
  const text = (title ?? '').toLowerCase()
  const names = (m: Pick<Method, 'id' | 'label'>) => [m.id, m.label, m.label.split(' (')[0]].map((n) => n.trim().toLowerCase()).filter((n) => n !== '')
  const named = methods.filter((m) => names(m).some((name) => text.includes(name)))
  if (named.length > 0) {
    throw new ExportError(`the title names methods (${named.map((m) => m.id).join(', ')}): raters would see them; choose a neutral title`)
  }
}

/** Methods' nominal BPP at the export size; throws on a title naming methods, fewer than two methods or repeated ids. */
function validateRequest(req: ExportRequest): number[] {
  assertNeutralTitle(req.title, req.methods)
  if (req.methods.length < 2) throw new ExportError(`a rating export compares at least two methods, got ${req.methods.length}`)
  if (req.images.length === 0) throw new ExportError('a rating export needs at least one image')
  const ids = req.methods.map((m) => assertMethodId(m.id))
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
  if (repeated || ids.includes('original')) throw new ExportError(`method ids must be unique and not "original": ${ids.join(', ')}`)
  const imageIdsSeen = new Set(req.images.map((i) => i.id))
  if (imageIdsSeen.size !== req.images.length) throw new ExportError('image ids must be unique')
  return req.methods.map((m) => m.bpp(req.imageSizePx))
}

type Guard = <T>(path: string, f: (path: string) => Promise<T>) => Promise<T>

function guardFs(resumeHint: string): Guard {
  return async (path, f) => {
    try {
      return await f(path)
    } catch (e) {
      throw describeFsError(e, path, resumeHint)
    }
  }
}

/** The state of one export run: verified records (old and new) and counters. */
class ExportRun {
  written = 0
  reused = 0
  private readonly total: number

  constructor(private readonly req: ExportRequest, private readonly partial: string, private readonly records: Map<string, JournalRecord>, private readonly guard: Guard) {
    this.total = req.images.length * (1 + req.methods.length)
  }

  /** Originals then every method's reconstructions for images [first, end). */
  async chunk(first: number, end: number): Promise<void> {
    const originals: RgbImage[] = []
    for (let i = first; i < end; i++) originals.push(await this.original(i))
    for (const method of this.req.methods) {
      let i = first
      while (i < end) {
        if (this.records.has(`${method.id}/${this.req.images[i].id}`)) {
          this.progress(i, method.id, true)
          i++
          continue
        }
        let j = i
        while (j < end && !this.records.has(`${method.id}/${this.req.images[j].id}`)) j++
        const recs = await method.reconstruct(originals.slice(i - first, j - first), { firstIndex: i, signal: this.req.signal })
        for (let k = i; k < j; k++) await this.saveRecon(method, k, recs[k - i], originals[k - first])
        i = j
      }
    }
  }

  private async original(index: number): Promise<RgbImage> {
    const { id, path } = this.req.images[index]
    const S = this.req.imageSizePx
    let img: RgbImage
    try {
      img = centerCrop(resizeShorterSide(await decodeImage(path), S), S)
    } catch (e) {
      if (e instanceof BadImageError) throw e // its message names the file
      throw new ExportError(`cannot read image ${path}: ${(e as Error).message}`)
    }
    const reused = this.records.has(`original/${id}`)
    if (!reused) {
      const png = await encodePng(img.rgb, S, S)
      const image: ManifestImage = { id, source: path, file: `originals/${id}.png`, token: newToken(), sha256: sha256(png) }
      await this.save({ kind: 'original', image }, image.file, png)
    }
    this.progress(index, 'original', reused)
    return img
  }

  private async saveRecon(method: Method, index: number, rec: Reconstruction, original: RgbImage): Promise<void> {
    const { h, w } = rec.image
    if (h !== original.h || w !== original.w) throw new ExportError(`${method.id} returned a ${h}×${w} image for a ${original.h}×${original.w} input`)
    const png = await encodePng(rec.image.rgb, h, w)
    const image = this.req.images[index].id
    const entry: ManifestEntry = {
      image, method: method.id, file: `recon/${method.id}/${image}.png`, token: newToken(), sha256: sha256(png), bpp: rec.bpp,
      ...reconstructionScores(rec.image, original), settings: rec.settings,
    }
    await this.save({ kind: 'recon', entry }, entry.file, png)
    this.progress(index, method.id, false)
  }

  private async save(record: JournalRecord, file: string, png: Buffer): Promise<void> {
    await this.guard(join(this.partial, file), (p) => writeFileAtomic(p, png))
    await this.guard(join(this.partial, journalFile), () => appendJournal(this.partial, record))
    this.records.set(recordKey(record), record)
    this.written++
  }

  private progress(index: number, method: string, reused: boolean): void {
    if (reused) this.reused++
    this.req.onProgress?.({ done: this.written + this.reused, total: this.total, image: this.req.images[index].id, method, reused })
  }

  manifest(bpps: readonly number[]): RatingManifest {
    const { req, records } = this
    const images = req.images.map((i) => (records.get(`original/${i.id}`) as Extract<JournalRecord, { kind: 'original' }>).image)
    const entries = req.methods.flatMap((m) => req.images.map((i) => (records.get(`${m.id}/${i.id}`) as Extract<JournalRecord, { kind: 'recon' }>).entry))
    return {
      format: manifestFormat, version: manifestVersion, exportId: randomUUID(), createdAt: new Date().toISOString(),
      title: req.title ?? `${req.images.length} images × ${req.methods.length} methods`, imageSizePx: req.imageSizePx,
      metrics: metricDescriptions,
      methods: req.methods.map((m, i) => ({ id: m.id, label: m.label, bpp: bpps[i], settings: m.settings })),
      images, entries,
    }
  }
}
