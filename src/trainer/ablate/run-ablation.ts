// `flowmo ablate` as a function: train every run the rows need, in sequence, from the same seed and data (a finished
// run is not retrained, an interrupted one resumes from its checkpoint), evaluate each row with one protocol (a
// finished eval is reused, an interrupted one resumes from its journal), then write table.json and table.md.
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import { evaluate } from '../eval/evaluate'
import type { PathChoice } from '../inference/fast-path'
import type { MetricName } from '../eval/networks'
import type { EvalReport } from '../eval/report'
import { RunDir } from '../train/run-dir'
import { TrainingRun } from '../train/run'
import { finalCheckpoint, planRows, type AblationSetup, type RowPlan, type RunPlan } from './plan'
import { buildTable, tableMarkdown, type AblationTable, type RowResult } from './table'
import { VARIANTS, type Variant } from './variants'

export interface AblationOptions extends AblationSetup {
  readonly metrics: readonly MetricName[] // e.g. psnr, ssim, lpips, fid-proxy
  readonly weightsDir?: string
  readonly inferencePath?: PathChoice // of the evals: auto (default) | onnxruntime | tfjs
  readonly variants?: readonly Variant[] // default all; the baseline is always included
  readonly onLog?: (line: string) => void
  readonly onTrainStep?: (run: string, step: number, maxSteps: number) => void
  readonly onEvalProgress?: (row: string, done: number, total: number) => void
  readonly signal?: AbortSignal // stops after the current step (checkpointed) or eval batch (journalled)
}

export class AblationStopped extends Error {
  constructor() {
    super('ablation stopped; run the same command again to continue where it stopped')
    this.name = 'AblationStopped'
  }
}

export async function runAblation(o: AblationOptions): Promise<AblationTable> {
  const chosen = o.variants ?? VARIANTS
  const variants = chosen.some((v) => v.id === 'baseline') ? chosen : [VARIANTS[0], ...chosen]
  const rows = planRows(o, variants)
  // the evals' lazily loaded modules, loaded now: hours of training later, a failed late import would lose the evals
  await Promise.all([import('../inference/ort-model'), import('../metrics/lpips'), import('../metrics/inception-features'), import('../backend')])
  const runs = new Map<string, RunPlan>()
  for (const r of rows) for (const run of [r.train1a, r.train1b]) if (run) runs.set(run.key, run)
  for (const run of runs.values()) await ensureTrained(run, o)
  const results: RowResult[] = []
  for (const row of rows) results.push(await ensureEvaluated(row, o))
  const table = buildTable(o, results)
  await writeFileAtomic(join(o.out, 'table.json'), `${JSON.stringify(table, null, 2)}\n`)
  await writeFileAtomic(join(o.out, 'table.md'), tableMarkdown(table))
  return table
}

/** Trains a run to its last step unless its final checkpoint exists; an earlier attempt is resumed. */
async function ensureTrained(run: RunPlan, o: AblationOptions): Promise<void> {
  const say = o.onLog ?? (() => {})
  if (existsSync(finalCheckpoint(run))) return say(`${run.key}: trained (${finalCheckpoint(run)}), not retrained`)
  const dir = new RunDir(run.options.out)
  const resume = (await dir.earlierRun()) !== null
  say(`${run.key}: ${resume ? 'resuming' : 'training'} ${run.options.stage === '1b' ? 'Stage 1B' : 'Stage 1A'} to step ${run.options.maxSteps} in ${run.options.out}`)
  const training = new TrainingRun({ ...run.options, resume }, {
    onLog: (line) => say(`${run.key}: ${line}`),
    onStep: (e) => o.onTrainStep?.(run.key, e.step, e.maxSteps),
  })
  const stop = () => training.stop()
  o.signal?.addEventListener('abort', stop)
  try {
    const summary = await training.start()
    if (summary.status !== 'finished') throw new AblationStopped()
  } finally {
    o.signal?.removeEventListener('abort', stop)
  }
}

async function ensureEvaluated(row: RowPlan, o: AblationOptions): Promise<RowResult> {
  const id = row.variant.id
  const trained = row.train1b ?? row.train1a
  const checkpoint = finalCheckpoint(trained)
  const json = join(o.out, 'evals', `${id}.json`)
  const trainSeconds = await trainingSeconds([row.train1a, row.train1b])
  if (existsSync(json)) {
    o.onLog?.(`${id}: evaluated (${json}), not re-evaluated`)
    return { plan: row, checkpoint, report: JSON.parse(await readFile(json, 'utf8')) as EvalReport, trainSeconds }
  }
  await mkdir(join(o.out, 'evals'), { recursive: true })
  o.onLog?.(`${id}: evaluating ${checkpoint} on ${o.evalImages} images of ${o.val}`)
  const { report } = await evaluate({
    source: { checkpoint, stateDict: 'raw' }, dataDir: o.val, n: o.evalImages, sampling: row.sampling, seed: o.seed,
    metrics: o.metrics, psnr: 'per-image', quantise: 'truncate', ssim: 'skimage-default-7x7', batchSize: 5,
    weightsDir: o.weightsDir, jsonPath: json, path: o.inferencePath, onNotice: (l) => o.onLog?.(`${id}: ${l}`),
    onProgress: (done, total) => o.onEvalProgress?.(id, done, total), signal: o.signal,
  })
  if (!report) throw new AblationStopped()
  return { plan: row, checkpoint, report, trainSeconds }
}

/** Wall time the runs report (their last metrics line's elapsed_s), or null when a run has none. */
async function trainingSeconds(runs: readonly (RunPlan | null)[]): Promise<number | null> {
  let total = 0
  for (const run of runs.filter((r): r is RunPlan => r !== null)) {
    const path = new RunDir(run.options.out).metrics
    if (!existsSync(path)) return null
    const last = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { elapsed_s?: number })
      .filter((r) => r.elapsed_s !== undefined).pop()
    if (!last) return null
    total += last.elapsed_s!
  }
  return total
}
