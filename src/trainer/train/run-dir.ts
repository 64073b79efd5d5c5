// The run directory (architecture.md §3): run.json, checkpoints/step-NNNNNN.safetensors (+ .optim.safetensors),
// metrics.jsonl, samples/step-NNNNNN.png. Finds the newest complete checkpoint and prunes old ones.
import { existsSync } from 'node:fs'
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import { SafetensorsFile } from '../checkpoint/safetensors'

const CHECKPOINT = /^step-(\d{6,})\.safetensors$/
const SAMPLE = /^step-\d{6,}\.png$/

export interface CheckpointFiles {
  step: number
  model: string // raw + EMA weights, metadata
  optim: string // Adam state
}

/** How a run folder's lock (`<root>/lock`, output-lock.ts) names its holder and the way out. */
export const runFolderLock = { what: 'training run', alternative: 'run folder (--out)' } as const

export class RunDir {
  constructor(readonly root: string) {}

  get runJson(): string { return join(this.root, 'run.json') }
  get metrics(): string { return join(this.root, 'metrics.jsonl') }
  get checkpoints(): string { return join(this.root, 'checkpoints') }
  get samples(): string { return join(this.root, 'samples') }
  get lock(): string { return join(this.root, 'lock') } // held while a process trains here (output-lock.ts)

  async create(): Promise<void> {
    await mkdir(this.checkpoints, { recursive: true })
    await mkdir(this.samples, { recursive: true })
  }

  checkpointFiles(step: number): CheckpointFiles {
    const base = join(this.checkpoints, `step-${String(step).padStart(6, '0')}`)
    return { step, model: `${base}.safetensors`, optim: `${base}.optim.safetensors` }
  }

  samplePath(step: number): string {
    return join(this.samples, `step-${String(step).padStart(6, '0')}.png`)
  }

  /** Every checkpoint on disk, newest first (complete or not). */
  async listCheckpoints(): Promise<CheckpointFiles[]> {
    if (!existsSync(this.checkpoints)) return []
    const steps = (await readdir(this.checkpoints)).map((f) => CHECKPOINT.exec(f)).filter((m) => m !== null).map((m) => Number(m[1]))
    return steps.sort((a, b) => b - a).map((s) => this.checkpointFiles(s))
  }

  /** The newest checkpoint whose two files both open with a consistent header; `onSkip` hears about the others. */
  async newestValidCheckpoint(onSkip?: (files: CheckpointFiles, reason: string) => void): Promise<CheckpointFiles | null> {
    for (const files of await this.listCheckpoints()) {
      const reason = (await unreadable(files.model)) ?? (await unreadable(files.optim))
      if (reason === null) return files
      onSkip?.(files, reason)
    }
    return null
  }

  /** Keeps the newest `keepLast` checkpoints plus every one whose step is a multiple of `keepEvery`. */
  async prune(keepLast: number, keepEvery: number | null): Promise<number[]> {
    const all = await this.listCheckpoints()
    const removed: number[] = []
    for (const [i, files] of all.entries()) {
      if (i < keepLast || (keepEvery !== null && files.step % keepEvery === 0)) continue
      await rm(files.model, { force: true })
      await rm(files.optim, { force: true })
      removed.push(files.step)
    }
    return removed
  }

  async appendMetrics(record: Record<string, unknown>): Promise<void> {
    await appendFile(this.metrics, `${JSON.stringify(record)}\n`)
  }

  /** After a resume from `step`: drops the records a killed process logged past its last checkpoint. */
  async truncateMetricsAfter(step: number): Promise<void> {
    if (!existsSync(this.metrics)) return
    const lines = (await readFile(this.metrics, 'utf8')).split('\n').filter((l) => l.trim() !== '')
    const kept = lines.filter((l) => {
      try {
        return (JSON.parse(l) as { step?: number }).step! <= step
      } catch {
        return false // a line cut short by the kill
      }
    })
    await writeFileAtomic(this.metrics, kept.map((l) => `${l}\n`).join(''))
  }

  /** Why a fresh run must not start here (an earlier run's run.json or checkpoints), or null for an unused folder. */
  async earlierRun(): Promise<string | null> {
    const checkpoints = await this.listCheckpoints()
    if (checkpoints.length) return `${this.root} already holds a run (checkpoints up to step ${checkpoints[0].step})`
    return existsSync(this.runJson) ? `${this.root} already holds a run (run.json)` : null
  }

  /** A resume that found no checkpoint starts over: drops the records and samples of the attempt that died. */
  async clearRecords(): Promise<void> {
    await this.truncateMetricsAfter(-1)
    if (!existsSync(this.samples)) return
    for (const name of await readdir(this.samples)) if (SAMPLE.test(name)) await rm(join(this.samples, name), { force: true })
  }

  async writeRunJson(doc: Record<string, unknown>): Promise<void> {
    await writeFileAtomic(this.runJson, `${JSON.stringify(doc, null, 2)}\n`)
  }
}

/** null when the file opens as a complete safetensors file, else why not. */
async function unreadable(path: string): Promise<string | null> {
  if (!existsSync(path)) return 'missing'
  try {
    const f = await SafetensorsFile.open(path)
    await f.close()
    return null
  } catch (e) {
    return (e as Error).message
  }
}
