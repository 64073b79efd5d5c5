// File-access policy of the engine: it reads only inside roots the user opened or chose (the app's resources/,
// `flowmo serve --allow <dir>` folders, paths main registers after a native dialog). Real paths, so symlinks cannot escape.
import { existsSync } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { RpcError } from '../shared/rpc'

/** One entry of a folder listing for the web-mode file picker; `path` is the real path, usable with assertReadable. */
export interface FileEntry {
  readonly name: string
  readonly path: string
  readonly kind: 'file' | 'directory'
  readonly sizeBytes: number // 0 for folders
}

/** Roots passed by the process that starts the engine (`flowmo serve --allow`), joined with path.delimiter. */
export const allowRootsVariable = 'FLOWMO_ALLOW_ROOTS'

const roots = new Set<string>() // real paths of allowed files and folders
let initialised: Promise<void> | null = null

/** Allows reading `path` (a folder and everything below it, or one file); returns its real path. */
export async function allowRoot(path: string): Promise<string> {
  const real = await realpath(checkedPath(path)).catch(() => {
    throw new RpcError(`cannot allow ${path}: it does not exist`, 'not-found')
  })
  roots.add(real)
  return real
}

/** The real path of `path` if the policy lets the engine read it; else RpcError 'forbidden' (or 'not-found' inside a root). */
export async function assertReadable(path: string): Promise<string> {
  await ensureInitialised()
  const { real, exists } = await resolveReal(checkedPath(path))
  if (!isAllowed(real)) throw new RpcError(`access to ${path} is not allowed: open it or its folder first (allowed: ${[...roots].join(', ')})`, 'forbidden')
  if (!exists) throw new RpcError(`${path} does not exist`, 'not-found')
  return real
}

/** Folders first, then files, by name; entries whose real path leaves the roots (symlinks out) are left out. */
export async function listFiles(dir: string): Promise<FileEntry[]> {
  const real = await assertReadable(dir)
  if (!(await stat(real)).isDirectory()) throw new RpcError(`${dir} is not a folder`, 'not-a-folder')
  const names = await readdir(real)
  const entries = await Promise.all(names.map((name) => entryOf(join(real, name))))
  return entries
    .filter((entry): entry is FileEntry => entry !== null)
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'directory' ? -1 : 1))
}

/** The roots in force (real paths), for the file picker's starting points. */
export async function allowedRoots(): Promise<string[]> {
  await ensureInitialised()
  return [...roots]
}

async function entryOf(path: string): Promise<FileEntry | null> {
  try {
    const real = await realpath(path)
    if (!isAllowed(real)) return null
    const info = await stat(real)
    if (!info.isDirectory() && !info.isFile()) return null // sockets, devices, fifos
    return { name: basename(path), path: real, kind: info.isDirectory() ? 'directory' : 'file', sizeBytes: info.isFile() ? info.size : 0 }
  } catch {
    return null // dangling link or vanished while listing
  }
}

function checkedPath(path: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new RpcError('expected a file path', 'invalid-request')
  if (!isAbsolute(path)) throw new RpcError(`expected an absolute path, got ${path}`, 'invalid-request')
  return resolve(path) // folds '.' and '..' segments
}

function isAllowed(real: string): boolean {
  for (const root of roots) if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return true
  return false
}

/** realpath, also for a path that does not exist yet: the real path of its nearest existing ancestor + the rest. */
async function resolveReal(path: string): Promise<{ real: string; exists: boolean }> {
  try {
    return { real: await realpath(path), exists: true }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error
    const parent = dirname(path)
    if (parent === path) return { real: path, exists: false }
    return { real: join((await resolveReal(parent)).real, basename(path)), exists: false }
  }
}

function ensureInitialised(): Promise<void> {
  initialised ??= (async () => {
    const configured = (process.env[allowRootsVariable] ?? '').split(delimiter).filter(Boolean)
    for (const path of [resourcesDir(), ...configured]) {
      if (path && existsSync(path)) await allowRoot(resolve(path))
    }
  })()
  return initialised
}

/** The app's resources/ folder: next to the package.json above this module (sources or a build under out/). */
function resourcesDir(): string | null {
  for (let dir = import.meta.dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'resources')
  }
  return null
}
