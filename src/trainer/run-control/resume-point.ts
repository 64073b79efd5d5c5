// Where a run with `resume` continues, decided before its worker starts (so listRuns reports it at once): the newest
// complete checkpoint of its folder; with none the run starts over cleanly (RunDir.clearRecords). A fresh run is
// refused in a folder an earlier run wrote to.
import { RpcError } from '../../shared/rpc'
import { RunDir, type CheckpointFiles } from '../train/run-dir'
import type { RunOptions } from '../train/run-options'

/** The checkpoint a resume continues from; null for a run that starts at step 0 (fresh, from init, or over). */
export async function resumePoint(options: RunOptions): Promise<CheckpointFiles | null> {
  const dir = new RunDir(options.out)
  if (!options.resume) {
    const earlier = await dir.earlierRun()
    if (earlier) throw new RpcError(`${earlier}: resume it, or choose a new folder`, 'run-folder-used')
    return null
  }
  const files = await dir.newestValidCheckpoint()
  if (files === null) await dir.clearRecords()
  return files
}
