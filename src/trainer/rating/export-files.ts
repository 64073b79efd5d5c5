// File helpers for rating exports: sha256 of files, and file-system errors turned into one clear sentence (disk full,
// not writable). Atomic writes are atomic-file.ts's.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

/** A failure the user can act on; the message says what happened and what to do. */
export class ExportError extends Error {
  override readonly name = 'ExportError'
  constructor(message: string, readonly code?: string) {
    super(message)
  }
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** sha256 of a file, or null when it does not exist. */
export async function sha256File(path: string): Promise<string | null> {
  try {
    return sha256(await readFile(path))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

/** Turns a Node file-system error into an ExportError naming the path; `resumeHint` is appended where resuming helps. */
export function describeFsError(e: unknown, path: string, resumeHint: string): Error {
  if (e instanceof ExportError) return e
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ExportError(`disk full while writing ${path} (${code}); free some space, then ${resumeHint}`, code)
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ExportError(`cannot write ${path}: the folder is not writable (${code}); choose another output folder`, code)
  }
  if (code === 'ENOTDIR') return new ExportError(`cannot write ${path}: a part of the path is a file, not a folder (ENOTDIR)`, code)
  return e instanceof Error ? e : new Error(String(e))
}
