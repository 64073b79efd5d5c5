// Where a run with `resume` continues, decided before its worker starts (so listRuns reports it at once): the newest
// complete checkpoint of its folder; with none the run starts over cleanly, dropping the metrics and samples an
// earlier attempt (killed before its first checkpoint) left behind.
import { existsSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { RunDir, type CheckpointFiles } from '../train/run-dir'
import type { RunOptions } from '../train/run-options'

const SAMPLE = /^step-\d{6,}\.png$/

/** The checkpoint a resume continues from; null for a run that starts at step 0 (fresh, from init, or over). */
export async function resumePoint(options: RunOptions): Promise<CheckpointFiles | null> {
  if (!options.resume) return null
  const dir = new RunDir(options.out)
  const files = await dir.newestValidCheckpoint()
  if (files === null) await startOver(dir)
  return files
}

async function startOver(dir: RunDir): Promise<void> {
  await dir.truncateMetricsAfter(-1) // every record: steps count from 0
  if (!existsSync(dir.samples)) return
  for (const name of await readdir(dir.samples)) if (SAMPLE.test(name)) await rm(join(dir.samples, name), { force: true })
}
