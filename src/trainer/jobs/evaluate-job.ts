// The evaluate job: `flowmo eval` (eval/evaluate.ts) for the app, the report (with its protocol card) as the result;
// with `out`, report.json and per-image.csv are written there and an interrupted eval resumes from its journal.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { EvaluateRequest } from '../../shared/payloads/jobs'
import { RpcError } from '../../shared/rpc'
import { evaluate } from '../eval/evaluate'
import type { EvalReport } from '../eval/report'
import { samplingConfig } from '../inspect/sampling'
import { modelSource, type JobContext } from './job-work'
import { readable, readableOrUndefined, writableTarget } from './paths'

export async function evaluateJob(req: EvaluateRequest, { signal, progress }: JobContext): Promise<EvalReport> {
  const out = req.out === undefined ? undefined : await writableTarget(req.out)
  if (out) await mkdir(out, { recursive: true })
  const outcome = await evaluate({
    source: await modelSource(req.model), dataDir: await readable(req.data), n: req.n,
    sampling: req.sampling ? samplingConfig(req.sampling) : {}, seed: req.seed ?? 0, metrics: req.metrics ?? ['psnr', 'ssim'],
    psnr: req.psnr ?? 'per-image', quantise: req.quantise ?? 'truncate', ssim: req.ssim ?? 'skimage-default-7x7',
    batchSize: req.batchSize ?? 5, weightsDir: await readableOrUndefined(req.weightsDir),
    jsonPath: out && join(out, 'report.json'), csvPath: out && join(out, 'per-image.csv'), path: req.path ?? 'auto',
    onProgress: (done, total) => progress(done, total, `${done}/${total} images`), signal,
  })
  if (!outcome.report) throw new RpcError(`stopped; the images done so far are in ${outcome.journal}`, 'cancelled')
  return outcome.report
}
