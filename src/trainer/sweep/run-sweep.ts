// The sweep job (issue 7 "Sweeps"): encode each image once, then sample every grid cell from the same code and the
// same noise per image (sample/noise.ts: keyed by the image, or by its index), scoring each cell and keeping a small image grid; best cells marked.
// One untimed warm-up decode runs before the first cell, so no cell's time per image holds the engine's start-up cost.
// With an output JSON, scored cells go to a resume journal beside it (sweep-journal.ts) and a rerun skips them.
import { resolve } from 'node:path'
import { BadImageError, loadImageTensor } from '../data/images'
import type { MetricName } from '../eval/networks'
import { evalReferenceKey } from '../eval/reference'
import { openFastModel, type FastPathOptions, type PathChoice } from '../inference/fast-path'
import type { InferenceModel } from '../inference/inference-model'
import type { ModelSource } from '../inference/tf-model'
import type { ImagesNCHW } from '../metrics/images'
import { defaultStatsCacheDir, lookupReference, storeComputedReference, type ResolvedReference } from '../metrics/reference-stats-cache'
import { imageIdentity, noiseOf, type NoiseKeying } from '../sample/noise'
import { cfgIntervalT } from '../sample/schedule'
import { CellScores } from './cell-scores'
import { completeGrid, gridSettings, settingLabel, settingSampling, type SweepGrid, type SweepGridRequest, type SweepSetting } from './grid'
import { GridImages } from './grid-images'
import { writeSweep } from './sweep-file'
import { lockSweepOutput, openSweepJournal, type ScoredCell, type SweepJournal } from './sweep-journal'
import { DEFAULT_SWEEP_METRICS, FEATURE_MIN_IMAGES, openSweepNetworks, sweepCard, sweepImagePaths, type SweepNetworks } from './sweep-setup'
import { markBest, SWEEP_FORMAT, SWEEP_VERSION, TIMING_NOTE, type ImageRef, type SweepCard, type SweepImage, type SweepResult } from './sweep-result'

export interface SweepOptions {
  readonly source: ModelSource
  readonly dataDir: string
  readonly limit?: number // the first N images of the sorted folder (default all)
  readonly grid: SweepGridRequest // a missing axis takes the model config's value
  readonly seed?: number // default 0
  readonly noise?: NoiseKeying // default 'image': z0 keyed by each image's content; 'index': by its position
  readonly metrics?: readonly MetricName[] // default DEFAULT_SWEEP_METRICS
  readonly featureMinImages?: number // FID/KID below this many images are left out; default FEATURE_MIN_IMAGES
  readonly batchSize?: number // images per decoder batch, default 5
  readonly imagesDir?: string // write the image grid's PNGs here
  readonly inlineImages?: boolean // else keep them as base64 in the result
  readonly gridImages?: number // images in the grid, default 8
  readonly weightsDir?: string
  readonly statsCacheDir?: string | null // the originals' FID/KID features cache (metrics/reference-stats-cache.ts); null: off
  readonly path?: PathChoice // inference path, default auto
  readonly openTfjs?: FastPathOptions['openTfjs']
  readonly onNotice?: (line: string) => void
  readonly onProgress?: (done: number, total: number, message: string) => void // done/total in image passes
  readonly onOriginals?: (images: readonly SweepImage[]) => void // once the images are encoded, before the first cell
  readonly onCell?: (cell: ScoredCell, index: number, resumed: boolean) => void // each cell as soon as it is scored (resumed: from the journal)
  readonly signal?: AbortSignal // stops between batches (and inside the sampler), the cell in flight discarded; the sweep then throws
  readonly out?: string // write the result JSON here (atomically); until then scored cells are journalled beside it
}

/** What every cell reuses: the model, the images in batches, their codes and the originals' features. */
interface SweepContext {
  readonly o: SweepOptions
  readonly model: InferenceModel
  readonly paths: readonly string[]
  readonly batches: readonly number[][]
  readonly nets: SweepNetworks
  readonly grid: GridImages
  readonly tick: (message: string, images: number) => void
}

/** Runs the sweep; with an output file, while holding its journal folder's lock (another sweep writing it is refused). */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const release = o.out ? await lockSweepOutput(o.out, o.onNotice) : null
  try {
    return await sweep(o)
  } finally {
    await release?.()
  }
}

async function sweep(o: SweepOptions): Promise<SweepResult> {
  const started = performance.now()
  const fast = await openFastModel(o.source, { path: o.path, openTfjs: o.openTfjs, signal: o.signal, onNotice: o.onNotice, onProgress: (m) => o.onNotice?.(`export: ${m}`) })
  o.onNotice?.(fast.notice)
  try {
    const grid = completeGrid(o.grid, fast.model.config.sampling)
    const paths = await sweepImagePaths(o.dataDir, fast.model.config.imageSize, o.limit, o.onNotice)
    const nets = await openSweepNetworks(o.metrics ?? DEFAULT_SWEEP_METRICS, paths.length, o.featureMinImages ?? FEATURE_MIN_IMAGES, o.weightsDir)
    try {
      const protocol = await sweepCard({ source: o.source, dataDir: o.dataDir, images: paths, seed: o.seed ?? 0, noise: o.noise ?? 'image', fast, nets })
      const settings = gridSettings(grid)
      const journal = await openJournal(o, protocol, grid)
      const ctx = sweepContext(o, fast.model, paths, nets, settings.length - (journal?.done.size ?? 0))
      const { encoded, reference } = await encodeWithReference(ctx, protocol)
      o.onOriginals?.(encoded.images)
      const { cells, best } = markBest(await runCells(ctx, encoded, settings, journal))
      const result: SweepResult = {
        format: SWEEP_FORMAT, version: SWEEP_VERSION, protocol: reference ? { ...protocol, referenceStats: reference.use } : protocol, grid, images: encoded.images, imagesDir: ctx.grid.dir,
        unavailable: nets.unavailable, best,
        timing: { encodeMsPerImage: encoded.ms / paths.length, totalMs: performance.now() - started, note: TIMING_NOTE }, cells,
      }
      if (o.out) await writeSweep(o.out, result)
      await journal?.remove()
      return result
    } finally {
      for (const m of nets.lpips) m.dispose()
      nets.features?.dispose()
    }
  } finally {
    await fast.model.dispose()
  }
}

/** The journal beside `o.out` (none without it), after checking it was begun by this very sweep. */
async function openJournal(o: SweepOptions, protocol: SweepCard, grid: SweepGrid): Promise<SweepJournal | null> {
  if (!o.out) return null
  const gridImages = { count: o.gridImages ?? 8, dir: o.imagesDir ? resolve(o.imagesDir) : null, inline: o.inlineImages === true }
  const journal = await openSweepJournal(o.out, {
    protocol, grid, metrics: o.metrics ?? DEFAULT_SWEEP_METRICS, featureMinImages: o.featureMinImages ?? FEATURE_MIN_IMAGES,
    batchSize: o.batchSize ?? 5, gridImages,
  })
  const cells = gridSettings(grid).length
  if (journal.done.size > 0) o.onNotice?.(`resuming: ${journal.done.size} of ${cells} cells already scored (${journal.dir})`)
  return journal
}

/** Every cell in grid order: a journalled one as it was scored, the others sampled (after one warm-up) and journalled. */
async function runCells(ctx: SweepContext, encoded: Encoded, settings: readonly SweepSetting[], journal: SweepJournal | null): Promise<ScoredCell[]> {
  const cells: ScoredCell[] = []
  let warm = false
  for (const [index, setting] of settings.entries()) {
    const kept = journal?.done.get(index)
    if (!kept && !warm) await warmUp(ctx, encoded, setting)
    warm ||= !kept
    const cell = kept ? await journal!.restore(kept) : await runCell(ctx, encoded, setting, index)
    if (!kept) await journal?.append(index, cell)
    cells.push(cell)
    ctx.o.onCell?.(cell, index, kept !== undefined)
  }
  return cells
}

function sweepContext(o: SweepOptions, model: InferenceModel, paths: string[], nets: SweepNetworks, cells: number): SweepContext {
  const size = o.batchSize ?? 5
  const batches = Array.from({ length: Math.ceil(paths.length / size) }, (_, b) => paths.slice(b * size, (b + 1) * size).map((_, i) => b * size + i))
  const grid = new GridImages({ imagesDir: o.imagesDir, inline: o.inlineImages, count: o.gridImages ?? 8 }, model.config.imageSize)
  const total = paths.length * (1 + cells)
  let done = 0
  o.onProgress?.(0, total, 'encode')
  const tick = (message: string, images: number) => o.onProgress?.((done += images), total, message)
  return { o, model, paths, batches, nets, grid, tick }
}

/** The originals of a batch as one NCHW array (read again per cell: memory stays flat on large sets). */
async function loadBatch(ctx: SweepContext, indices: readonly number[]): Promise<ImagesNCHW> {
  const S = ctx.model.config.imageSize
  const per = 3 * S * S
  const x = new Float32Array(indices.length * per)
  for (const [b, i] of indices.entries()) {
    try {
      x.set(await loadImageTensor(ctx.paths[i], S, 'center'), b * per)
    } catch (e) {
      if (e instanceof BadImageError) throw e // its message names the file
      throw new Error(`cannot read image ${ctx.paths[i]}: ${(e as Error).message}`)
    }
  }
  return { layout: 'nchw-f32-signed', data: x, shape: [indices.length, 3, S, S] }
}

interface Encoded {
  readonly codes: Float32Array // [N, L, C] ±1
  readonly identities: Float64Array // [N] imageIdentity of each image: keys its noise
  readonly reference: ResolvedReference['reference'] | null // the originals' FID/KID features and statistics, once per sweep
  readonly images: SweepImage[]
  readonly ms: number // encoder wall time
}

/** Encodes every image; the originals' features come from the reference-statistics cache, else are computed and cached. */
async function encodeWithReference(ctx: SweepContext, protocol: SweepCard): Promise<{ encoded: Encoded; reference: ResolvedReference | null }> {
  const cache = { cacheDir: ctx.o.statsCacheDir === undefined ? defaultStatsCacheDir() : ctx.o.statsCacheDir, onNotice: ctx.o.onNotice }
  const key = evalReferenceKey(protocol) // null without a feature network
  const hit = key && (await lookupReference(key, cache))
  const { features, ...encoded } = await encodeAll(ctx, hit === null)
  const reference = key && (hit ?? (await storeComputedReference(key, features!, cache)))
  return { encoded: { ...encoded, reference: reference?.reference ?? null }, reference }
}

/** Codes of every image, and the originals' features [N, d] when `withFeatures` and a feature network is open. */
async function encodeAll(ctx: SweepContext, withFeatures: boolean): Promise<Omit<Encoded, 'reference'> & { features: Float32Array | null }> {
  const { codeLength: L, contextDim: C } = ctx.model.config
  const codes = new Float32Array(ctx.paths.length * L * C)
  const identities = new Float64Array(ctx.paths.length)
  const f = withFeatures ? ctx.nets.features : null
  const features = f ? new Float32Array(ctx.paths.length * f.featureDim) : null
  const images: SweepImage[] = []
  let ms = 0
  for (const indices of ctx.batches) {
    ctx.o.signal?.throwIfAborted()
    const orig = await loadBatch(ctx, indices)
    const t0 = performance.now()
    codes.set((await ctx.model.encode(orig.data, indices.length)).code, indices[0] * L * C)
    ms += performance.now() - t0
    const per = orig.data.length / indices.length
    indices.forEach((i, b) => (identities[i] = imageIdentity(orig.data.subarray(b * per, (b + 1) * per))))
    if (f && features) features.set(await f.features(orig), indices[0] * f.featureDim)
    const refs = await storeImages(ctx, 'original', indices, orig)
    images.push(...indices.map((i) => ({ index: i, path: ctx.paths[i], ...(refs.has(i) && { original: refs.get(i) }) })))
    ctx.tick('encode', indices.length)
  }
  return { codes, identities, features, images, ms }
}

/** The batch's images that belong to the image grid, stored under `folder`. */
async function storeImages(ctx: SweepContext, folder: string, indices: readonly number[], batch: ImagesNCHW): Promise<Map<number, ImageRef>> {
  const per = batch.data.length / indices.length
  const refs = new Map<number, ImageRef>()
  for (const [b, index] of indices.entries()) {
    const ref = await ctx.grid.store(folder, index, batch.data.subarray(b * per, (b + 1) * per))
    if (ref) refs.set(index, ref)
  }
  return refs
}

/** Batch `indices`' codes and their starting noise: image i's z0 whatever its batch, the same in every cell. */
function decodeInputs(ctx: SweepContext, enc: Encoded, indices: readonly number[]): { code: Float32Array; z0: Float32Array } {
  const { codeLength: L, contextDim: C, imageSize: S } = ctx.model.config
  const z0 = new Float32Array(indices.length * 3 * S * S)
  const keying = ctx.o.noise ?? 'image'
  indices.forEach((i, b) => z0.set(noiseOf({ identity: enc.identities[i], index: i }, ctx.o.seed ?? 0, keying, S), b * 3 * S * S))
  return { code: enc.codes.subarray(indices[0] * L * C, (indices[0] + indices.length) * L * C), z0 }
}

/** An untimed decode of the first batch at the first cell's setting: the one-time cost of the engine's first decode
 * (kernel set-up, session buffers) then counts in no cell's time per image. */
async function warmUp(ctx: SweepContext, enc: Encoded, setting: SweepSetting): Promise<void> {
  ctx.o.signal?.throwIfAborted()
  const indices = ctx.batches[0]
  const { code, z0 } = decodeInputs(ctx, enc, indices)
  await ctx.model.decode(code, z0, indices.length, { sampling: settingSampling(setting), signal: ctx.o.signal })
}

async function runCell(ctx: SweepContext, enc: Encoded, setting: SweepSetting, index: number): Promise<ScoredCell> {
  const S = ctx.model.config.imageSize
  const sampling = settingSampling(setting)
  const label = settingLabel(setting)
  const folder = `c${String(index).padStart(2, '0')}-${label}`
  const scores = new CellScores({ quantise: 'truncate', ssimVariant: 'skimage-default-7x7', lpips: ctx.nets.lpips, features: ctx.nets.features, wanted: ctx.nets.wanted })
  const images: (ImageRef & { index: number })[] = []
  let [ms, nfe] = [0, 0]
  for (const indices of ctx.batches) {
    ctx.o.signal?.throwIfAborted()
    const B = indices.length
    const { code, z0 } = decodeInputs(ctx, enc, indices)
    const t0 = performance.now()
    const res = await ctx.model.decode(code, z0, B, { sampling, signal: ctx.o.signal })
    ms += performance.now() - t0
    nfe = res.nfe
    const rec: ImagesNCHW = { layout: 'nchw-f32-signed', data: res.images, shape: [B, 3, S, S] }
    await scores.add(rec, await loadBatch(ctx, indices))
    for (const [i, ref] of await storeImages(ctx, folder, indices, rec)) images.push({ index: i, ...ref })
    ctx.tick(`cell ${index + 1}: ${label}`, B)
  }
  const { metrics, perImage } = scores.finish(enc.reference)
  const intervalT = sampling.cfgInterval === null ? null : cfgIntervalT(sampling.cfgInterval)
  return { ...setting, schedule: sampling.schedule, cfgIntervalT: intervalT, nfe, timeMsPerImage: ms / ctx.paths.length, metrics, perImage, images }
}
