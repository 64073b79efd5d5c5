// The reference-statistics cache: the originals' FID/KID features (float32 rows, which KID's random subsets need) with
// their mean and covariance (what FID needs), one `.npz` per key of everything that decides them (dataset listing hash,
// image count, resolution and resize, network, layer and weight hash, backend). mu/sigma are pytorch-fid-compatible.
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeFileAtomic } from '../atomic-file'
import { featureStats, type GaussianStats } from './frechet'
import { decodeNpy, decodeNpyF32, decodeZip, encodeNpy, encodeZip } from './npz'
import { canonicalJson, type FeatureNetwork } from './protocol'

/** Everything that changes the originals' features; its canonical JSON's sha256 names the cache file. */
export interface ReferenceKey {
  readonly metricsVersion: string
  readonly dataset: { readonly sha256: string; readonly hashMethod: string; readonly nImages: number } // sha256 covers the order
  readonly resolutionPx: number
  readonly resize: string // how the originals were brought to resolutionPx, e.g. eval-card.ts EVAL_RESIZE
  readonly network: FeatureNetwork // name (with the layer), input handling, weight file and its sha256
  readonly backend: string | null // where the network ran, e.g. 'tfjs-wasm' (float round-off differs by backend)
}

/** The originals' features: rows [n, d] row-major (KID) and their Gaussian statistics (FID). */
export interface ReferenceFeatures {
  readonly rows: Float32Array
  readonly stats: GaussianStats
}

/** Where an eval's reference came from, as its protocol card records it. */
export interface ReferenceUse {
  readonly cached: boolean // true: read from the cache, not computed by this run
  readonly key: string // referenceKeyHash, 16 hex digits
  readonly file: string | null // the cache file read or written; null when the cache was off or could not be written
}

export interface ReferenceCacheOptions {
  readonly cacheDir: string | null // null: no cache (compute, do not store)
  readonly onNotice?: (line: string) => void
}

const FORMAT = 'flowmo reference features'
const FORMAT_VERSION = 1

/** `$FLOWMO_CACHE_DIR/fid-stats`, else `$XDG_CACHE_HOME/flowmo/fid-stats`, else `~/.cache/flowmo/fid-stats`. */
export function defaultStatsCacheDir(): string {
  if (process.env.FLOWMO_CACHE_DIR) return join(resolve(process.env.FLOWMO_CACHE_DIR), 'fid-stats')
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flowmo', 'fid-stats')
}

export const referenceKeyHash = (key: ReferenceKey): string => createHash('sha256').update(canonicalJson(key)).digest('hex').slice(0, 16)

export const referenceFile = (cacheDir: string, key: ReferenceKey): string => join(cacheDir, `${referenceKeyHash(key)}.npz`)

/** Rows [n, d] and their statistics (the streaming accumulator of frechet.ts, as an uncached FID computes them). */
export function referenceFromRows(rows: Float32Array, n: number, d: number): ReferenceFeatures {
  return { rows, stats: featureStats(rows, n, d) }
}

/** The file: `key.json` first (readable with `unzip -p <file> key.json`), then mu, sigma (float64) and features (float32). */
export function encodeReference(key: ReferenceKey, ref: ReferenceFeatures): Uint8Array {
  const { mu, sigma, d, n } = ref.stats
  const header = { format: FORMAT, formatVersion: FORMAT_VERSION, keyHash: referenceKeyHash(key), key, n, d }
  return encodeZip(new Map([
    ['key.json', Buffer.from(`${JSON.stringify(header, null, 2)}\n`, 'utf8')],
    ['mu.npy', encodeNpy({ data: mu, shape: [d] })],
    ['sigma.npy', encodeNpy({ data: sigma, shape: [d, d] })],
    ['features.npy', encodeNpy({ data: ref.rows, shape: [n, d] })],
  ]))
}

/** The top-level key fields in which two keys differ. */
const keyDifferences = (a: Record<string, unknown>, b: ReferenceKey): string[] =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonicalJson(a[k]) !== canonicalJson((b as unknown as Record<string, unknown>)[k]))

/** Decodes a cache file written for `key`; throws, saying why, on a damaged file or another key. */
export function decodeReference(bytes: Uint8Array, key: ReferenceKey): ReferenceFeatures {
  const entries = decodeZip(bytes) // checks each entry's CRC
  const [json, mu, sigma, features] = ['key.json', 'mu.npy', 'sigma.npy', 'features.npy'].map((name) => entries.get(name))
  if (!json || !mu || !sigma || !features) throw new Error(`needs key.json, mu.npy, sigma.npy and features.npy, has ${[...entries.keys()].join(', ')}`)
  const header = JSON.parse(Buffer.from(json).toString('utf8')) as { format?: string; formatVersion?: number; key?: Record<string, unknown>; n?: number; d?: number }
  if (header.format !== FORMAT || header.formatVersion !== FORMAT_VERSION) throw new Error(`not a ${FORMAT} ${FORMAT_VERSION} file`)
  const differing = keyDifferences(header.key ?? {}, key)
  if (differing.length > 0) throw new Error(`written for another key (${differing.join(', ')} differ)`)
  const [m, s, rows] = [decodeNpy(mu), decodeNpy(sigma), decodeNpyF32(features)]
  const { n, d } = header
  if (typeof n !== 'number' || typeof d !== 'number' || n !== key.dataset.nImages || m.data.length !== d || s.data.length !== d * d || rows.data.length !== n * d) {
    throw new Error(`shapes do not match: n ${n}, d ${d}, mu [${m.shape.join(', ')}], sigma [${s.shape.join(', ')}], features [${rows.shape.join(', ')}]`)
  }
  return { rows: rows.data, stats: { mu: m.data, sigma: s.data, d, n } }
}

/** The cached reference for `key`, or null: absent (silently) or unusable (with a notice; the caller recomputes). */
export async function loadReference(key: ReferenceKey, opts: ReferenceCacheOptions): Promise<ReferenceFeatures | null> {
  if (opts.cacheDir === null) return null
  const file = referenceFile(opts.cacheDir, key)
  try {
    return decodeReference(await readFile(file), key)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') opts.onNotice?.(`reference statistics: ignoring ${file}: ${(e as Error).message}; recomputing`)
    return null
  }
}

/** Writes the reference atomically (a temp file renamed into place); returns the file. */
export async function saveReference(key: ReferenceKey, ref: ReferenceFeatures, cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true })
  const file = referenceFile(cacheDir, key)
  await writeFileAtomic(file, encodeReference(key, ref))
  return file
}

/** Stores a computed reference unless the cache is off; a failed write is a notice, not an error (the numbers stand). */
export async function storeReference(key: ReferenceKey, ref: ReferenceFeatures, opts: ReferenceCacheOptions): Promise<ReferenceUse> {
  const use = { cached: false, key: referenceKeyHash(key) }
  if (opts.cacheDir === null) return { ...use, file: null }
  try {
    const file = await saveReference(key, ref, opts.cacheDir)
    opts.onNotice?.(`reference statistics: computed, cached as ${file}`)
    return { ...use, file }
  } catch (e) {
    opts.onNotice?.(`reference statistics: computed; could not cache them in ${opts.cacheDir}: ${(e as Error).message}`)
    return { ...use, file: null }
  }
}

export interface ResolvedReference {
  readonly reference: ReferenceFeatures
  readonly use: ReferenceUse
}

/** The cached reference for `key` with a notice naming its file, or null (absent, unusable, or the cache is off). */
export async function lookupReference(key: ReferenceKey, opts: ReferenceCacheOptions): Promise<ResolvedReference | null> {
  const reference = await loadReference(key, opts)
  if (!reference || opts.cacheDir === null) return null
  const file = referenceFile(opts.cacheDir, key)
  opts.onNotice?.(`reference statistics: read from the cache, ${file}`)
  return { reference, use: { cached: true, key: referenceKeyHash(key), file } }
}

/** A reference the caller computed (rows [n, d]) with its statistics, stored in the cache unless it is off. */
export async function storeComputedReference(key: ReferenceKey, rows: Float32Array, opts: ReferenceCacheOptions): Promise<ResolvedReference> {
  const n = key.dataset.nImages
  const reference = referenceFromRows(rows, n, rows.length / n)
  return { reference, use: await storeReference(key, reference, opts) }
}

/** The reference for `key`: from the cache, else `compute()`d (rows [n, d]) and stored. For one-shot users (compare). */
export async function cachedReference(key: ReferenceKey, compute: () => Promise<Float32Array>, opts: ReferenceCacheOptions): Promise<ResolvedReference> {
  return (await lookupReference(key, opts)) ?? storeComputedReference(key, await compute(), opts)
}
