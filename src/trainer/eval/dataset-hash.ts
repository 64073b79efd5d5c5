// The dataset fingerprint on an eval's protocol card: sha256 over the sorted list of the evaluated files, each as
// "relative path \t byte size \t mtime (ms)". A listing hash, not a content hash: fast on 50k images, and it changes
// when a file is added, removed, renamed, resized or rewritten (a copy that resets mtimes also changes it).
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { relative } from 'node:path'

export const DATASET_HASH_METHOD = 'sha256 of sorted "relative path\\tsize\\tmtimeMs" lines of the evaluated files'

/** sha256 (hex) of the listing of `paths` (already sorted by the caller, as scanImageFolder sorts), relative to `dir`. */
export async function datasetListingHash(dir: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const path of paths) {
    const s = await stat(path)
    hash.update(`${relative(dir, path).split('\\').join('/')}\t${s.size}\t${Math.trunc(s.mtimeMs)}\n`)
  }
  return hash.digest('hex')
}
