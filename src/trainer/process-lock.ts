// A lock file held by a live process: created with open(…, 'wx') so exactly one process makes it, it records the
// holder's pid, the holder process's own start time and when it took the lock. A lock whose holder is gone (killed
// mid-work) is stale and taken over — also when its pid now belongs to another process (started at another time).
// Used by run folders, sweep and eval outputs, and web mode's renderer build (server/renderer-build.ts).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { open, readFile, rm, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

export interface LockHolder {
  readonly pid: number
  readonly processStart?: string | null // the holder process's start (processStartOf); absent in older locks
  readonly startedAt: string // ISO time the holder took the lock
}

export interface HeldLock {
  readonly path: string
  readonly tookOverFrom: LockHolder | null // the holder of the stale lock this one replaced
  /** Removes the lock file when it is still this lock (never one another process took since). */
  release(): Promise<void>
}

export interface LockOptions {
  readonly staleAfterMs?: number // a lock this old is stale even when its holder lives (default: never)
}

const UNWRITTEN_GRACE_MS = 10_000 // a lock with no readable holder is being written, unless it is this old

/** Whether process `pid` exists (signal 0 only checks); EPERM: it exists and belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * When process `pid` started, as an opaque string that changes when the pid is reused: Linux's start time in clock
 * ticks since boot (/proc/<pid>/stat field 22), elsewhere `ps -o lstart`; null when it cannot be read.
 */
export function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return `ticks:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}` // fields after "pid (comm) ": state is 3, starttime 22
  } catch {
    if (process.platform === 'linux' || process.platform === 'win32') return null
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null
  } catch {
    return null
  }
}

/** Whether the lock's holder still runs: its pid exists and, where both are known, started when the holder did. */
export function isHolderAlive(holder: LockHolder): boolean {
  if (!isProcessAlive(holder.pid)) return false
  if (!holder.processStart) return true
  const now = processStartOf(holder.pid)
  return now === null || now === holder.processStart
}

let ownStart: string | null | undefined

type Found = { live: LockHolder } | { stale: LockHolder | null; text: string | null } | 'gone' | 'unwritten'

/** Takes the lock at `path`, or names the live process that holds it; a stale lock is removed and taken. */
export async function tryLock(path: string, opts: LockOptions = {}): Promise<HeldLock | { readonly holder: LockHolder }> {
  let tookOverFrom: LockHolder | null = null
  for (;;) {
    ownStart ??= processStartOf(process.pid)
    const me: LockHolder = { pid: process.pid, processStart: ownStart, startedAt: new Date().toISOString() }
    if (await create(path, me)) return { path, tookOverFrom, release: () => removeIf(path, JSON.stringify(me)) }
    const found = await inspect(path, opts)
    if (found === 'unwritten') await sleep(20)
    else if (typeof found === 'object' && 'live' in found) return { holder: found.live }
    else if (typeof found === 'object') {
      await removeIf(path, found.text) // unless another process took it over meanwhile
      tookOverFrom = found.stale
    }
  }
}

/** The live process holding the lock at `path`, or null (no lock, a stale one, or one being written). */
export async function liveHolder(path: string): Promise<LockHolder | null> {
  const found = await inspect(path, {})
  return typeof found === 'object' && 'live' in found ? found.live : null
}

/** Runs `work` holding the lock at `path`, waiting (polling) while a live process holds it. */
export async function withLock<T>(path: string, work: () => Promise<T>, opts: LockOptions & { readonly pollMs?: number } = {}): Promise<T> {
  for (;;) {
    const lock = await tryLock(path, opts)
    if ('holder' in lock) {
      await sleep(opts.pollMs ?? 200)
      continue
    }
    try {
      return await work()
    } finally {
      await lock.release()
    }
  }
}

/** Creates the lock file with `me` in it; false when it exists already. */
async function create(path: string, me: LockHolder): Promise<boolean> {
  let file
  try {
    file = await open(path, 'wx')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
  try {
    await file.writeFile(JSON.stringify(me))
  } finally {
    await file.close()
  }
  return true
}

/** The lock's state: held by a live process, stale (holder gone, or too old), released meanwhile, or not written yet. */
async function inspect(path: string, opts: LockOptions): Promise<Found> {
  const info = await stat(path).catch(() => null)
  if (!info) return 'gone'
  const ageMs = Date.now() - info.mtimeMs
  const text = await readFile(path, 'utf8').catch(() => null) // null: unreadable (an old lock folder, say)
  const holder = parseHolder(text)
  if (!holder) return ageMs > UNWRITTEN_GRACE_MS ? { stale: null, text } : 'unwritten'
  if (!isHolderAlive(holder) || (opts.staleAfterMs !== undefined && ageMs > opts.staleAfterMs)) return { stale: holder, text }
  return { live: holder }
}

function parseHolder(text: string | null): LockHolder | null {
  try {
    const h = JSON.parse(text ?? '') as Partial<LockHolder>
    if (!Number.isInteger(h.pid) || (h.pid as number) <= 0 || typeof h.startedAt !== 'string') return null
    return { pid: h.pid!, ...(typeof h.processStart === 'string' && { processStart: h.processStart }), startedAt: h.startedAt }
  } catch {
    return null
  }
}

/** Removes the lock when it still holds `text` (re-read just before, so a lock taken since is kept). */
async function removeIf(path: string, text: string | null): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => null)
  if (now === text) await rm(path, { recursive: true, force: true })
}
