// One writer per output: a run folder, a sweep's or an eval's output holds a lock file (process-lock.ts) while a
// process writes it. A live holder is refused with a message naming it; a dead holder's lock is taken over with a notice.
import { mkdir, rmdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { liveHolder, tryLock, type LockHolder } from './process-lock'

export class OutputLockedError extends Error {
  override readonly name = 'OutputLockedError'
  constructor(readonly target: string, readonly holder: LockHolder, what: string, alternative: string) {
    super(`another ${what} (pid ${holder.pid}, started ${holder.startedAt}) is writing ${target}; wait for it or choose another ${alternative}`)
  }
}

export interface OutputLockOptions {
  readonly what: string // who holds such locks, for the messages: 'sweep', 'training run'
  readonly alternative: string // what the user may change instead: '--out', 'run folder'
  readonly onNotice?: (line: string) => void // hears of a stale lock taken over
}

/**
 * Takes the lock file `lockPath` for writing `target` (creating its folder when missing) and returns its release, which
 * also removes the folders the lock created when nothing else was written into them (a refused start leaves nothing).
 */
export async function lockOutput(lockPath: string, target: string, o: OutputLockOptions): Promise<() => Promise<void>> {
  const dir = dirname(lockPath)
  const created = await mkdir(dir, { recursive: true })
  const lock = await tryLock(lockPath)
  if ('holder' in lock) {
    await removeEmpty(dir, created)
    throw new OutputLockedError(target, lock.holder, o.what, o.alternative)
  }
  const gone = lock.tookOverFrom
  if (gone) o.onNotice?.(`took over ${lock.path}: the ${o.what} that held it (pid ${gone.pid}, started ${gone.startedAt}) is no longer running`)
  return async () => {
    await lock.release()
    await removeEmpty(dir, created)
  }
}

/** Refuses (OutputLockedError) when another process holds `lockPath`: a check before touching files the lock guards. */
export async function refuseIfLockedByOther(lockPath: string, target: string, o: OutputLockOptions): Promise<void> {
  const holder = await liveHolder(lockPath)
  if (holder && holder.pid !== process.pid) throw new OutputLockedError(target, holder, o.what, o.alternative)
}

/** Removes `dir` and its parents up to `created` (the first folder mkdir made) while they are empty. */
async function removeEmpty(dir: string, created: string | undefined): Promise<void> {
  if (created === undefined) return
  for (let d = dir; d.startsWith(created); d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false))) return
    if (d === created) return
  }
}
