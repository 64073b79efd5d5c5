// The sweep job: sweep/run-sweep.ts over a steps × ρ × CFG × interval grid, the originals then each scored cell pushed as they arrive,
// image grids inline in the result; with `out`, the same JSON as `flowmo sweep --out`, resumable: a cancelled or crashed
// sweep leaves its journal beside `out` and the same request again skips the cells scored (sweep-journal.ts).
import type { SweepRequest } from '../../shared/payloads/jobs'
import { runSweep, type SweepOptions } from '../sweep/run-sweep'
import type { SweepResult } from '../sweep/sweep-result'
import { modelSource, type JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'

export interface SweepPushes extends Pick<SweepOptions, 'onCell'> {
  /** The originals once encoded, with the notices so far (skipped files: the CLI prints them, the app shows them). */
  onOriginals(images: Parameters<NonNullable<SweepOptions['onOriginals']>>[0], notices: readonly string[]): void
}

export async function sweepJob(req: SweepRequest, { signal, progress }: JobContext, push: SweepPushes): Promise<SweepResult> {
  const out = req.out === undefined ? undefined : await writableTarget(req.out)
  const notices: string[] = []
  return runSweep({
    source: await modelSource(req.model), dataDir: await readable(req.data), limit: req.limit, grid: req.grid, seed: req.seed,
    metrics: req.metrics, batchSize: req.batchSize, gridImages: req.gridImages, weightsDir: await readableOrUndefined(req.weightsDir),
    inlineImages: true, path: req.path, signal, onProgress: progress, out, onCell: push.onCell,
    onNotice: (line) => void (line.startsWith('export: ') || notices.push(line)), // export steps show as progress already
    onOriginals: (images) => push.onOriginals(images, notices),
  })
}
