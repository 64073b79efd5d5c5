// On-the-fly exports for the onnxruntime fast path: one folder per (checkpoint SHA-256, resolved config, state
// dict, attention form, tool version) under the cache dir; checkpoint hashes are remembered by path, size and mtime.
// An entry appears whole or not at all: each export writes `<key>.tmp-<pid>-<nonce>` and renames it when complete.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { version } from '../../../package.json'
import { writeFileAtomic } from '../atomic-file'
import type { ModelSource } from '../inference/tf-model'
import { hashFile } from '../metrics/protocol'
import { isProcessAlive } from '../process-lock'
import { exportFlowMo, resolveSource, type ExportStage } from './flowmo-export'
import { explicitSizes, MANIFEST_FILE } from './manifest'

export interface CachedExportOptions {
  readonly cacheDir?: string // default: FLOWMO_CACHE_DIR, else $XDG_CACHE_HOME/flowmo/onnx, else ~/.cache/flowmo/onnx
  readonly fusedAttention?: boolean // default true
  readonly onProgress?: (message: string, stage: ExportStage) => void // only while hashing or exporting: a cache hit is quiet
  readonly signal?: AbortSignal // cancels hashing or the export; nothing is left in the cache
  readonly beforeExport?: () => void // runs only when the cache lacks the export; throws to refuse it
}

export interface CachedExport {
  readonly dir: string
  readonly key: string // 16 hex digits
  readonly fresh: boolean // exported by this call (false: found in the cache)
}

export function defaultExportCacheDir(): string {
  if (process.env.FLOWMO_CACHE_DIR) return resolve(process.env.FLOWMO_CACHE_DIR)
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flowmo', 'onnx')
}

/** The export folder for `src`, exporting it first unless the cache already holds it. */
export async function cachedExport(src: ModelSource, opts: CachedExportOptions = {}): Promise<CachedExport> {
  const cacheDir = opts.cacheDir ?? defaultExportCacheDir()
  await mkdir(cacheDir, { recursive: true })
  const sha256 = await checkpointHash(src.checkpoint, cacheDir, opts.onProgress)
  opts.signal?.throwIfAborted()
  const r = await resolveSource(src)
  const identity = { sha256, stateDict: r.weights.stateDictKey, config: explicitSizes(r.config), fused: opts.fusedAttention !== false, tool: version }
  await r.weights.close()
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16)
  const dir = join(cacheDir, key)
  if (existsSync(join(dir, MANIFEST_FILE))) {
    await utimes(dir, new Date(), new Date()) // last used: `flowmo cache prune` drops the least recently used
    return { dir, key, fresh: false }
  }
  opts.beforeExport?.()
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}` // two opens of one checkpoint never share it
  await removeAbandoned(cacheDir, key)
  try {
    await exportFlowMo(src, tmp, { sha256, fusedAttention: opts.fusedAttention, onProgress: opts.onProgress, signal: opts.signal })
    if (existsSync(join(dir, MANIFEST_FILE))) return { dir, key, fresh: false } // another process finished it meanwhile
    await rm(dir, { recursive: true, force: true }) // an incomplete folder (no manifest) left by a killed export
    await rename(tmp, dir)
  } finally {
    await rm(tmp, { recursive: true, force: true }) // failed, cancelled or not needed; gone once renamed
  }
  return { dir, key, fresh: true }
}

/** Removes the `<key>.tmp-<pid>…` folders of processes that are gone (killed mid-export). */
async function removeAbandoned(cacheDir: string, key: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const match = /^([0-9a-f]+)\.tmp-(\d+)/.exec(name)
    if (match?.[1] === key && !isProcessAlive(Number(match[2]))) await rm(join(cacheDir, name), { recursive: true, force: true })
  }
}

/** SHA-256 of a checkpoint, remembered in `<cacheDir>/hashes.json` by absolute path, size and mtime. */
export async function checkpointHash(path: string, cacheDir: string, onProgress?: CachedExportOptions['onProgress']): Promise<string> {
  const st = await stat(path)
  const id = `${resolve(path)}|${st.size}|${st.mtimeMs}`
  const memoPath = join(cacheDir, 'hashes.json')
  const memo: Record<string, string> = await readFile(memoPath, 'utf8').then((t) => JSON.parse(t) as Record<string, string>).catch(() => ({})) // missing or damaged: start afresh
  if (memo[id]) return memo[id]
  onProgress?.(`hashing ${path}`, 'hash')
  memo[id] = await hashFile(path)
  await writeFileAtomic(memoPath, JSON.stringify(memo, null, 1))
  return memo[id]
}
