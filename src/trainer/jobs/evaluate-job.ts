// The evaluate job: `flowmo eval` (eval/evaluate.ts) for the app, the report (with its protocol card) and a row per
// image with thumbnails of the original and its reconstruction; with `out`, report.json and per-image.csv are written
// there and an interrupted eval resumes from its journal. Also the diff of two saved reports (`flowmo eval --diff`).
import { mkdir, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { DiffEvalReportsRequest, EvalImageRow, EvalReportDiff, EvalReportView, EvaluateRequest, EvaluateResult, RgbPixels } from '../../shared/protocol'
import { RpcError } from '../../shared/rpc'
import { resizeBilinear } from '../data/resample'
import { evaluate } from '../eval/evaluate'
import { cardOf } from '../eval/print-report'
import { perImageScores } from '../eval/report'
import { rgbPixels } from '../inspect/pixel-stats'
import { samplingConfig } from '../inspect/sampling'
import { diffCards } from '../metrics/protocol'
import { modelSource, type JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'

export const THUMBNAIL_PX = 64 // longest side of a per-image thumbnail
export const THUMBNAIL_LIMIT = 2000 // images that keep thumbnails (two 64² RGB images each, 24 KiB)

/** A model-size CHW [3, S, S] image in [-1, 1] as RGB of at most THUMBNAIL_PX a side. */
function thumbnail(chw: Float32Array, S: number): RgbPixels {
  const full = rgbPixels(chw, S)
  if (S <= THUMBNAIL_PX) return full
  return { pixels: resizeBilinear(full.pixels, S, S, THUMBNAIL_PX, THUMBNAIL_PX), h: THUMBNAIL_PX, w: THUMBNAIL_PX }
}

export async function evaluateJob(req: EvaluateRequest, { signal, progress }: JobContext): Promise<EvaluateResult> {
  const out = req.out === undefined ? undefined : await writableTarget(req.out)
  if (out) await mkdir(out, { recursive: true })
  const thumbnails = new Map<number, { original: RgbPixels; reconstruction: RgbPixels }>()
  const outcome = await evaluate({
    source: await modelSource(req.model), dataDir: await readable(req.data), n: req.n,
    sampling: req.sampling ? samplingConfig(req.sampling) : {}, seed: req.seed ?? 0, metrics: req.metrics ?? ['psnr', 'ssim'],
    psnr: req.psnr ?? 'per-image', quantise: req.quantise ?? 'truncate', ssim: req.ssim ?? 'skimage-default-7x7',
    batchSize: req.batchSize ?? 5, weightsDir: await readableOrUndefined(req.weightsDir),
    jsonPath: out && join(out, 'report.json'), csvPath: out && join(out, 'per-image.csv'), path: req.path ?? 'auto',
    onProgress: (done, total) => progress(done, total, `${done}/${total} images`), signal,
    onImages: (indices, originals, reconstructions, S) => indices.forEach((index, b) => {
      if (thumbnails.size >= THUMBNAIL_LIMIT) return
      const at = (x: Float32Array) => thumbnail(x.subarray(b * 3 * S * S, (b + 1) * 3 * S * S), S)
      thumbnails.set(index, { original: at(originals), reconstruction: at(reconstructions) })
    }),
  })
  if (!outcome.report) throw new RpcError(`stopped; the images done so far are in ${outcome.journal}`, 'cancelled')
  const perImage: EvalImageRow[] = perImageScores(outcome.records ?? []).map((row) => ({
    ...row, original: thumbnails.get(row.index)?.original ?? null, reconstruction: thumbnails.get(row.index)?.reconstruction ?? null,
  }))
  return { ...outcome.report, protocol: { ...outcome.report.protocol }, perImage }
}

/** A saved report.json; "Infinity" strings (reportJson's way of writing ∞) read back as numbers. */
async function readReport(path: string): Promise<EvalReportView> {
  const text = await readFile(await readable(path), 'utf8')
  let report: unknown
  try {
    report = JSON.parse(text, (_, v) => (v === 'Infinity' || v === '-Infinity' ? Number(v) : v))
  } catch (e) {
    throw new RpcError(`${basename(path)}: not JSON (${(e as Error).message})`, 'bad-request')
  }
  cardOf(report, basename(path)) // throws when it has no protocol card
  return report as EvalReportView
}

export async function diffEvalReports(req: DiffEvalReportsRequest): Promise<EvalReportDiff> {
  const [a, b] = await Promise.all([readReport(req.a), readReport(req.b)])
  const differences = diffCards(cardOf(a, req.a), cardOf(b, req.b))
  return { a: { path: req.a, report: a }, b: { path: req.b, report: b }, differences }
}
