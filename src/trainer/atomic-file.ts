// Files a crash must never leave half-written (architecture.md §3 "Writes are atomic"): the bytes go to a temp file
// beside the target — a random suffix, so two writers never share one — which is fsync'd and renamed over the target;
// then the folder is fsync'd so the rename itself survives a power cut. A failed write removes its temp file.
import { randomBytes } from 'node:crypto'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

/** `<path>.tmp-<pid>-<8 hex>`: beside the target (same file system, so the rename is atomic), unique per writer. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** Writes `data` so that `path` is either absent, its old content, or all of `data`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomicWith(path, (file) => file.writeFile(data))
}

/** The same for a file written piece by piece: `fill` writes the temp file through its handle. */
export async function writeAtomicWith(path: string, fill: (file: FileHandle) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path)
  const file = await open(tmp, 'wx')
  let open_ = true
  try {
    await fill(file)
    await file.sync()
    open_ = false
    await file.close()
    await rename(tmp, path)
  } catch (e) {
    if (open_) await file.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw e
  }
  await syncFolder(dirname(path))
}

/** fsync of a folder (its entries: a rename or a new file); a no-op where folders cannot be opened or synced (Windows). */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null)
  if (!handle) return
  try {
    await handle.sync()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw e
  } finally {
    await handle.close()
  }
}
