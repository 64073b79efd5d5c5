// Baselines side by side (baselines/compare.ts) and the human-rating export and import (rating/): the app's jobs
// over the same methods as `flowmo export-ratings` — FlowMo, classic codecs at matched BPP, ONNX tokenizers.
import { writeFile } from 'node:fs/promises'
import type { CompareReport, CompareRequest, ExportRatingsRequest, ImportRatingsRequest, MethodChoice } from '../../shared/payloads/jobs'
import { compareMethods } from '../baselines/compare'
import { compareNetworkFiles, disposeCompareNetworks, openCompareNetworks, setSizeNotes } from '../baselines/compare-metrics'
import { openMethods, type MethodSpec, type OpenedMethods } from '../baselines/method-list'
import { centerCrop, decodeImage, resizeShorterSide, type RgbImage } from '../data/images'
import { TfModel } from '../inference/tf-model'
import { samplingConfig } from '../inspect/sampling'
import { exportForRating, imageIds, type ExportReport } from '../rating/export'
import { importRatings, type RatingReport } from '../rating/import'
import { modelSource, type JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'

async function methodSpec(m: MethodChoice): Promise<MethodSpec> {
  if (m === 'flowmo') return { kind: 'flowmo' }
  if (typeof m === 'string') return { kind: 'codec', codec: m }
  return { kind: 'onnx', dir: await readable(m.onnx) }
}

/** Opens the request's methods, runs `work`, then releases every method and the model. */
async function withMethods<T>(req: CompareRequest | ExportRatingsRequest, work: (opened: OpenedMethods) => Promise<T>): Promise<T> {
  const specs = await Promise.all(req.methods.map(methodSpec))
  const model = req.model ? await TfModel.open(await modelSource(req.model)) : undefined
  const flowmo = { sampling: req.sampling && samplingConfig(req.sampling), seed: req.seed, batch: 4 }
  const opened = await openMethods(specs, { model, targetBpp: req.targetBpp, imageSizePx: req.imageSizePx, flowmo }).catch((e: unknown) => {
    model?.dispose()
    throw e
  })
  try {
    return await work(opened)
  } finally {
    await Promise.all(opened.methods.map((m) => m.dispose()))
    if (model && !specs.some((s) => s.kind === 'flowmo')) model.dispose()
  }
}

async function loadSquare(path: string, sizePx: number): Promise<RgbImage> {
  return centerCrop(resizeShorterSide(await decodeImage(await readable(path)), sizePx), sizePx)
}

/** Every method on the images, scored by PSNR/SSIM and the asked-for LPIPS, rFID/KID or proxies (missing weights: `unavailable`). */
export function compareJob(req: CompareRequest, { signal, progress }: JobContext): Promise<CompareReport> {
  return withMethods(req, async (opened) => {
    const images = await Promise.all(req.images.map((p) => loadSquare(p, opened.imageSizePx)))
    const networks = await openCompareNetworks(req.metrics ?? [], await readableOrUndefined(req.weightsDir))
    try {
      const methods = await compareMethods(images, opened.methods, { signal, networks, onProgress: (done, total, method) => progress(done, total, method) })
      const notes = setSizeNotes(networks, images.length)
      return {
        imageSizePx: opened.imageSizePx, targetBpp: opened.targetBpp, originals: images.map((i) => ({ pixels: i.rgb, h: i.h, w: i.w })), methods,
        unavailable: { ...networks.unavailable, ...notes.unavailable }, warnings: notes.warnings, networks: compareNetworkFiles(networks),
      }
    } finally {
      disposeCompareNetworks(networks)
    }
  })
}

export async function exportRatingsJob(req: ExportRatingsRequest, { signal, progress }: JobContext): Promise<ExportReport> {
  const out = await writableTarget(req.out)
  const images = imageIds(await Promise.all(req.images.map((p) => readable(p))))
  return withMethods(req, (opened) =>
    exportForRating({
      images, methods: opened.methods, imageSizePx: opened.imageSizePx, out, title: req.title, signal,
      onProgress: (p) => progress(p.done, p.total, `${p.image} ${p.method}${p.reused ? ' (kept)' : ''}`),
    }),
  )
}

export async function importRatingsJob(req: ImportRatingsRequest, { progress }: JobContext): Promise<RatingReport> {
  const ratings = await Promise.all(req.ratings.map((p) => readable(p)))
  const report = await importRatings(ratings, await readable(req.exportDir), { minMs: req.minMs, requireFlip: req.requireFlip })
  if (req.out !== undefined) await writeFile(await writableTarget(req.out), `${JSON.stringify(report, null, 2)}\n`)
  progress(1, 1, `${ratings.length} ratings files`)
  return report
}
