// `flowmo watch`: follows an official run folder that another machine writes into (synced or mounted) and evaluates
// each new complete checkpoint on a fixed validation set, appending one line per checkpoint to <out>/metrics.jsonl
// (the step, the metrics, the report file) — what the official evaluate.py's continuous mode does, without a GPU job.
// Each checkpoint's fixed-seed samples go to <out>/samples/step-NNNNNN.png, named as our runs' (train/run-dir.ts).
import { existsSync } from 'node:fs'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import type { EvalOptions, EvalOutcome } from '../eval/evaluate'
import { RunDir } from '../train/run-dir'
import { listCheckpoints, type OfficialCheckpoint } from './run-folder'

export interface WatchOptions {
  folder: string // results/<experiment>
  out: string // where the reports and metrics.jsonl go (default <folder>/flowmo-eval)
  evalOptions: (checkpoint: OfficialCheckpoint, jsonPath: string) => EvalOptions // the same fixed protocol for each
  evaluate: (o: EvalOptions) => Promise<EvalOutcome>
  sample?: (o: EvalOptions) => Promise<Uint8Array> // the checkpoint's fixed-seed sample grid as PNG (eval/sample-grid.ts)
  intervalMs: number // between looks at the folder, e.g. 30 000
  once?: boolean // evaluate what is there now, then return
  signal?: AbortSignal
  onNotice?: (line: string) => void
}

export interface WatchRecord { step: number; checkpoint: string; report: string; sample: string | null; metrics: Record<string, number>; evaluatedAt: string }

export const watchLog = (out: string): string => join(out, 'metrics.jsonl')
export const watchSamplePath = (out: string, step: number): string => new RunDir(out).samplePath(step)

/** Steps already in <out>/metrics.jsonl: a restarted watch does not evaluate them again. */
async function doneSteps(out: string): Promise<Set<number>> {
  const log = watchLog(out)
  if (!existsSync(log)) return new Set()
  const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => l.trim() !== '')
  return new Set(lines.map((l) => (JSON.parse(l) as WatchRecord).step))
}

/** Runs until `signal` aborts (or once); resolves to the records written in this call. */
export async function watchRun(o: WatchOptions): Promise<WatchRecord[]> {
  await mkdir(new RunDir(o.out).samples, { recursive: true })
  const done = await doneSteps(o.out)
  const written: WatchRecord[] = []
  const waiting = new Set<number>()
  for (;;) {
    for (const c of await listCheckpoints(o.folder)) {
      if (o.signal?.aborted) return written
      if (done.has(c.step)) continue
      if (!c.complete) {
        if (!waiting.has(c.step)) o.onNotice?.(`step ${c.step}: ${c.file} is still being written; waiting`)
        waiting.add(c.step)
        continue
      }
      const record = await evaluateOne(o, c)
      if (!record) return written // stopped mid-eval: its journal resumes next time
      done.add(c.step)
      written.push(record)
    }
    if (o.once || o.signal?.aborted) return written
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs))
  }
}

async function evaluateOne(o: WatchOptions, c: OfficialCheckpoint): Promise<WatchRecord | null> {
  const report = join(o.out, `${String(c.step).padStart(8, '0')}.json`)
  o.onNotice?.(`step ${c.step}: evaluating ${c.file}`)
  const options = o.evalOptions(c, report)
  const outcome = await o.evaluate(options)
  if (!outcome.report) return null
  let sample: string | null = null
  if (o.sample) { // before the log line: a logged step has its grid
    sample = watchSamplePath(o.out, c.step)
    await writeFileAtomic(sample, await o.sample(options))
  }
  const record: WatchRecord = { step: c.step, checkpoint: c.file, report, sample, metrics: { ...outcome.report.metrics }, evaluatedAt: new Date().toISOString() }
  await appendFile(watchLog(o.out), `${JSON.stringify(record)}\n`)
  o.onNotice?.(`step ${c.step}: ${Object.entries(record.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`)
  return record
}
