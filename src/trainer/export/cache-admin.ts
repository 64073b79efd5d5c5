// `flowmo cache`: the export cache (export-cache.ts) listed, sized and pruned. An entry is one export folder; its
// folder mtime is when it was last opened (cachedExport touches it on a hit), so prune drops the least recently used.
import { existsSync } from 'node:fs'
import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isProcessAlive } from '../process-lock'
import { MANIFEST_FILE, readManifest } from './manifest'

export interface CacheEntry {
  readonly key: string // the folder name, 16 hex digits
  readonly dir: string
  readonly bytes: number
  readonly lastUsed: string // ISO time
  readonly checkpoint: string | null // the exported checkpoint's path (null: an unreadable manifest)
  readonly model: string | null // the config's name, e.g. flowmo-lo
  readonly fusedAttention: boolean | null
}

/** Every complete export in the cache, most recently used first. */
export async function listExportCache(cacheDir: string): Promise<CacheEntry[]> {
  if (!existsSync(cacheDir)) return []
  const entries: CacheEntry[] = []
  for (const name of await readdir(cacheDir)) {
    const dir = join(cacheDir, name)
    if (!/^[0-9a-f]{16}$/.test(name) || !existsSync(join(dir, MANIFEST_FILE))) continue
    const read = await readManifest(dir).catch(() => null)
    entries.push({
      key: name, dir, bytes: await folderBytes(dir), lastUsed: (await stat(dir)).mtime.toISOString(),
      checkpoint: read?.manifest.checkpoint.path ?? null, model: read?.config.name ?? null, fusedAttention: read?.manifest.fusedAttention ?? null,
    })
  }
  return entries.sort((a, b) => b.lastUsed.localeCompare(a.lastUsed))
}

/** Removes the entries named by key; an unknown key is an error naming it. */
export async function removeExports(cacheDir: string, keys: readonly string[]): Promise<CacheEntry[]> {
  const entries = await listExportCache(cacheDir)
  const chosen = keys.map((k) => {
    const e = entries.find((x) => x.key === k)
    if (!e) throw new Error(`no export ${k} in ${cacheDir} (see flowmo cache ls)`)
    return e
  })
  for (const e of chosen) await rm(e.dir, { recursive: true, force: true })
  return chosen
}

/** Drops the least recently used exports until the cache holds at most `maxBytes`, and dead exports' temp folders. */
export async function pruneExportCache(cacheDir: string, maxBytes: number): Promise<{ removed: CacheEntry[]; keptBytes: number }> {
  if (existsSync(cacheDir)) {
    for (const name of await readdir(cacheDir)) {
      const tmp = /\.tmp-(\d+)-/.exec(name)
      if (tmp && !isProcessAlive(Number(tmp[1]))) await rm(join(cacheDir, name), { recursive: true, force: true })
    }
  }
  const entries = await listExportCache(cacheDir) // most recent first
  let keptBytes = entries.reduce((n, e) => n + e.bytes, 0)
  const removed: CacheEntry[] = []
  for (const e of [...entries].reverse()) {
    if (keptBytes <= maxBytes) break
    await rm(e.dir, { recursive: true, force: true })
    keptBytes -= e.bytes
    removed.push(e)
  }
  return { removed, keptBytes }
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    bytes += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size
  }
  return bytes
}
