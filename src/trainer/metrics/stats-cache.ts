// Cache of Inception feature statistics as pytorch-fid-compatible `.npz` files (`mu.npy` [d], `sigma.npy` [d, d], float64),
// one file per protocol key (protocol.ts statsKey), with the protocol itself beside them as `protocol.json`.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { GaussianStats } from './frechet'
import { decodeNpy, decodeZip, encodeNpy, encodeZip } from './npz'

export interface CachedStats {
  readonly stats: GaussianStats
  readonly protocol: Record<string, unknown> | null // null for a plain pytorch-fid file
}

export function encodeStatsNpz(stats: GaussianStats, protocol: Record<string, unknown>): Uint8Array {
  const { mu, sigma, d, n } = stats
  return encodeZip(
    new Map([
      ['mu.npy', encodeNpy({ data: mu, shape: [d] })],
      ['sigma.npy', encodeNpy({ data: sigma, shape: [d, d] })],
      ['protocol.json', Buffer.from(JSON.stringify({ ...protocol, nFeatures: n }), 'utf8')],
    ]),
  )
}

/** Reads our files and pytorch-fid's (`np.savez(path, mu=mu, sigma=sigma)`); n is taken from protocol.json when present, else 0. */
export function decodeStatsNpz(bytes: Uint8Array): CachedStats {
  const entries = decodeZip(bytes)
  const mu = entries.get('mu.npy')
  const sigma = entries.get('sigma.npy')
  if (!mu || !sigma) throw new Error(`statistics file needs mu.npy and sigma.npy, has ${[...entries.keys()].join(', ')}`)
  const m = decodeNpy(mu)
  const s = decodeNpy(sigma)
  const d = m.shape[0]
  if (m.shape.length !== 1 || s.shape.length !== 2 || s.shape[0] !== d || s.shape[1] !== d) {
    throw new Error(`statistics shapes mu [${m.shape.join(', ')}], sigma [${s.shape.join(', ')}] do not match`)
  }
  const json = entries.get('protocol.json')
  const protocol = json ? (JSON.parse(Buffer.from(json).toString('utf8')) as Record<string, unknown>) : null
  const n = typeof protocol?.nFeatures === 'number' ? protocol.nFeatures : 0
  return { stats: { mu: m.data, sigma: s.data, d, n }, protocol }
}

export const statsPath = (cacheDir: string, key: string): string => join(cacheDir, `${key}.npz`)

/** Atomic write (temp file + rename). */
export async function saveStats(cacheDir: string, key: string, stats: GaussianStats, protocol: Record<string, unknown>): Promise<string> {
  await mkdir(cacheDir, { recursive: true })
  const path = statsPath(cacheDir, key)
  await writeFile(`${path}.tmp`, encodeStatsNpz(stats, protocol))
  await rename(`${path}.tmp`, path)
  return path
}

/** The cached statistics for key, or null when there are none. */
export async function loadStats(cacheDir: string, key: string): Promise<CachedStats | null> {
  try {
    return decodeStatsNpz(await readFile(statsPath(cacheDir, key)))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
