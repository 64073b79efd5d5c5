// Image folders: find images by extension, verify each one (full decode), and account for every file that
// cannot be used. The reference reads ImageNet tars (data.py IndexedTarDataset, sorted by name); we read folders.
import { constants } from 'node:fs'
import { access, readdir, realpath, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import sharp from 'sharp'
import { BadImageError, decodeImage, headerProblem } from './images'

export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.avif', '.tif', '.tiff', '.gif']

export const SKIP_REASONS = ['zero-byte', 'not an image', 'corrupt or truncated', 'unsupported', 'smaller than the crop', 'over the size limits', 'unreadable'] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** A verified image; `notes` lists the conversions decodeImage applies to it (e.g. "grayscale → RGB"). */
export interface DatasetEntry {
  readonly path: string
  readonly h: number
  readonly w: number
  readonly notes: readonly string[]
}

export interface SkippedFile {
  readonly path: string
  readonly reason: SkipReason
  readonly detail: string // e.g. "40×30, shorter side < 64"
}

export interface ImageFolderScan {
  readonly dir: string
  readonly usable: readonly DatasetEntry[] // sorted by path
  readonly skipped: readonly SkippedFile[]
}

export interface ScanOptions {
  imageSizePx: number // crop size; images whose shorter side is below it are skipped (no upsampling), e.g. 256
  recursive?: boolean // descend into sub-folders (default true)
  concurrency?: number // files verified at once (default 4)
  verify?: 'decode' | 'header' // decode: find truncated files now (default); header: fast, the loader skips them later
  onProgress?: (filesDone: number, filesTotal: number) => void
  signal?: AbortSignal // cancels the scan (it rejects with the signal's reason)
}

export type SkipCounts = Record<SkipReason, number>

export function countSkipped(skipped: readonly SkippedFile[]): SkipCounts {
  const counts = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as SkipCounts
  for (const s of skipped) counts[s.reason]++
  return counts
}

/** A folder that cannot feed a run; thrown before training starts. */
export class DatasetError extends Error {
  readonly counts: SkipCounts
  constructor(readonly dir: string, readonly skipped: readonly SkippedFile[], what: string) {
    const counts = countSkipped(skipped)
    const parts = SKIP_REASONS.filter((r) => counts[r] > 0).map((r) => `${counts[r]} ${r}`)
    super(`no usable image in ${dir}: ${what}${parts.length ? ` (skipped: ${parts.join(', ')})` : ''}`)
    this.name = 'DatasetError'
    this.counts = counts
  }
}

/** Lines for the run log: "skipped <path>: <reason> (<detail>)" per skipped file, then one line naming the images
 *  read as stored although their EXIF orientation says otherwise (docs/evaluation.md: not applied, as the reference). */
export function scanNotices(scan: ImageFolderScan): string[] {
  const lines = scan.skipped.map((s) => `skipped ${s.path}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`)
  const oriented = scan.usable.filter((e) => e.notes.some((n) => n.startsWith('EXIF orientation')))
  if (oriented.length) {
    const named = oriented.slice(0, 3).map((e) => e.path).join(', ')
    lines.push(`${oriented.length} image${oriented.length === 1 ? '' : 's'} read as stored, EXIF orientation not applied (as the reference): ${named}${oriented.length > 3 ? ', …' : ''}`)
  }
  return lines
}

/** Image files under `dir`; a folder reached again through a symlink (a loop, or a second way in) is listed once. */
async function listImageFiles(dir: string, recursive: boolean, seen = new Set<string>()): Promise<string[]> {
  seen.add(await realpath(dir))
  const found: string[] = []
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue
    const path = join(dir, d.name)
    const isDir = d.isDirectory() || (d.isSymbolicLink() && (await stat(path).catch(() => null))?.isDirectory())
    if (isDir) {
      const real = await realpath(path).catch(() => null)
      if (recursive && real !== null && !seen.has(real)) found.push(...(await listImageFiles(path, true, seen)))
    } else if (IMAGE_EXTENSIONS.includes(extname(d.name).toLowerCase())) {
      found.push(path)
    }
  }
  return found
}

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'gif'])

/** The conversions decodeImage will make, read from the header. */
function conversionNotes(meta: sharp.Metadata): string[] {
  const notes: string[] = []
  if (meta.space === 'b-w' || meta.space === 'grey16') notes.push('grayscale → RGB')
  if (meta.space === 'cmyk') notes.push('CMYK → RGB')
  if (meta.isPalette) notes.push('palette → RGB')
  if (meta.depth && meta.depth !== 'uchar' && meta.depth !== 'char') notes.push(`${meta.bitsPerSample ?? meta.depth}-bit → 8-bit`)
  if (meta.hasAlpha) notes.push('alpha dropped')
  if (meta.orientation && meta.orientation !== 1) notes.push(`EXIF orientation ${meta.orientation} not applied (as the reference)`)
  if ((meta.pages ?? 1) > 1) notes.push(`first of ${meta.pages} frames`)
  return notes
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Verify one file; a usable image comes back as an entry, anything else as a skip with its reason. */
export async function checkImageFile(path: string, imageSizePx: number, verify: 'decode' | 'header' = 'decode'): Promise<DatasetEntry | SkippedFile> {
  const skip = (reason: SkipReason, detail: string): SkippedFile => ({ path, reason, detail })
  const size = (await stat(path).catch(() => null))?.size
  if (size === undefined) return skip('unreadable', 'cannot be read')
  if (size === 0) return skip('zero-byte', '')
  if (!(await access(path, constants.R_OK).then(() => true, () => false))) return skip('unreadable', 'no read permission')
  let meta: sharp.Metadata
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata() // the header only: headerProblem checks its size
  } catch (e) {
    const msg = message(e)
    return /unsupported image format/i.test(msg) ? skip('not an image', msg) : skip('corrupt or truncated', msg)
  }
  if (!meta.format || !SUPPORTED_FORMATS.has(meta.format) || (meta.format === 'heif' && meta.compression !== 'av1')) {
    return skip('unsupported', `format ${meta.compression ?? meta.format}`)
  }
  const [h, w] = [meta.height ?? 0, meta.width ?? 0]
  const problem = headerProblem(meta)
  if (problem) return skip('over the size limits', problem)
  if (Math.min(h, w) < imageSizePx) return skip('smaller than the crop', `${w}×${h}, shorter side < ${imageSizePx}`)
  try {
    if (verify === 'decode') await decodeImage(path) // a full decode is the only way to find truncated pixel data
  } catch (e) {
    return skip('corrupt or truncated', e instanceof BadImageError ? e.reason : message(e))
  }
  return { path, h, w, notes: conversionNotes(meta) }
}

/** fn over items, `concurrency` at a time, results in item order. */
async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>, opts: ScanOptions): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < items.length) {
      opts.signal?.throwIfAborted()
      const i = next++
      out[i] = await fn(items[i])
      opts.onProgress?.(++done, items.length)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return out
}

/** Find and verify every image under `dir`. Throws DatasetError when none is usable. */
export async function scanImageFolder(dir: string, opts: ScanOptions): Promise<ImageFolderScan> {
  const isDir = (await stat(dir).catch(() => null))?.isDirectory()
  if (!isDir) throw new DatasetError(dir, [], 'not a folder')
  const paths = (await listImageFiles(dir, opts.recursive ?? true)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (paths.length === 0) throw new DatasetError(dir, [], `no files named ${IMAGE_EXTENSIONS.join(' ')}`)
  const results = await mapPool(paths, opts.concurrency ?? 4, (p) => checkImageFile(p, opts.imageSizePx, opts.verify), opts)
  const usable = results.filter((r): r is DatasetEntry => !('reason' in r))
  const skipped = results.filter((r): r is SkippedFile => 'reason' in r)
  if (usable.length === 0) throw new DatasetError(dir, skipped, `all ${paths.length} image files were skipped`)
  return { dir, usable, skipped }
}
