// Baselines side by side (baselines/run-compare.ts, shared with `flowmo compare`) and the human-rating export and
// import (rating/): the app's jobs over the same methods as `flowmo export-ratings`: FlowMo, codecs at matched BPP, ONNX tokenizers.
import { writeFileAtomic } from '../atomic-file'
import type { CompareReport, CompareRequest, ExportRatingsRequest, ImportRatingsRequest, MethodChoice } from '../../shared/payloads/jobs'
import { checkRepeats, checkpointLabel, type MethodSpec } from '../baselines/method-list'
import { runCompare, withMethods, type MethodsSource } from '../baselines/run-compare'
import { openFastModel } from '../inference/fast-path'
import { samplingConfig } from '../inspect/sampling'
import { exportForRating, imageIds, type ExportReport } from '../rating/export'
import { importRatings, type RatingReport } from '../rating/import'
import { modelSource, type JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'

async function methodSpec(m: MethodChoice): Promise<MethodSpec> {
  if (m === 'flowmo') return { kind: 'flowmo' }
  if (typeof m === 'string') return { kind: 'codec', codec: m }
  if ('flowmo' in m) return { kind: 'flowmo', checkpoint: await readable(m.flowmo), label: m.label?.trim() || checkpointLabel(m.flowmo) }
  return { kind: 'onnx', dir: await readable(m.onnx) }
}

/** The request's methods and model through the file policy. */
async function methodsSource(req: CompareRequest | ExportRatingsRequest): Promise<MethodsSource> {
  const specs = await Promise.all(req.methods.map(methodSpec))
  checkRepeats(specs)
  const source = req.model && (await modelSource(req.model))
  return {
    specs, openModel: source && (async () => (await openFastModel(source)).model), openCheckpoint: async (checkpoint) => (await openFastModel({ checkpoint })).model,
    targetBpp: req.targetBpp, imageSizePx: req.imageSizePx,
    flowmo: { sampling: req.sampling && samplingConfig(req.sampling), seed: req.seed, batch: 4 },
  }
}

/** Every method on the images, scored by PSNR/SSIM and the asked-for LPIPS, rFID/KID or proxies (missing weights: `unavailable`). */
export async function compareJob(req: CompareRequest, { signal, progress }: JobContext): Promise<CompareReport> {
  const images = await Promise.all(req.images.map((p) => readable(p)))
  return runCompare({
    ...(await methodsSource(req)), images: async () => images, metrics: req.metrics, weightsDir: await readableOrUndefined(req.weightsDir),
    signal, onImages: (done, total, method) => progress(done, total, `${method}: ${done}/${total} reconstructions`),
  })
}

export async function exportRatingsJob(req: ExportRatingsRequest, { signal, progress }: JobContext): Promise<ExportReport> {
  const out = await writableTarget(req.out)
  const images = imageIds(await Promise.all(req.images.map((p) => readable(p))))
  return withMethods(await methodsSource(req), (opened) =>
    exportForRating({
      images, methods: opened.methods, imageSizePx: opened.imageSizePx, out, title: req.title, signal,
      onProgress: (p) => progress(p.done, p.total, `${p.image} ${p.method}${p.reused ? ' (kept)' : ''}`),
    }),
  )
}

export async function importRatingsJob(req: ImportRatingsRequest, { progress }: JobContext): Promise<RatingReport> {
  const ratings = await Promise.all(req.ratings.map((p) => readable(p)))
  const report = await importRatings(ratings, await readable(req.exportDir), { minMs: req.minMs, requireFlip: req.requireFlip })
  if (req.out !== undefined) await writeFileAtomic(await writableTarget(req.out), `${JSON.stringify(report, null, 2)}\n`)
  progress(1, 1, `${ratings.length} ratings files`)
  return report
}
