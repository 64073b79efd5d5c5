// The built renderer that web mode serves (out/renderer, as `npm run build` makes it). When it is missing or older
// than its sources, it is rebuilt here with electron-vite's renderer config (resolveConfig + vite build), under a lock.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withLock } from '../trainer/process-lock'

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const sourceDirs = ['src/renderer', 'src/shared', 'src/preload/index.d.ts', 'electron.vite.config.ts']
const lockStaleMs = 5 * 60_000 // a build lock this old is taken over even when its holder lives

/** Newest modification time (ms) of the files under `path`. */
function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  const files = readdirSync(path, { recursive: true, encoding: 'utf8' })
  return Math.max(info.mtimeMs, ...files.map((file) => statSync(join(path, file)).mtimeMs))
}

/** Why the build in `outDir` must be (re)made, or null when it is current. */
export function staleReason(root: string, outDir: string): string | null {
  const index = join(outDir, 'index.html')
  if (!existsSync(index)) return `${outDir} has no built renderer`
  if (!existsSync(join(root, 'src/renderer'))) return null // an installed app without sources: serve what ships
  const sourcesMs = Math.max(...sourceDirs.map((dir) => newestMtimeMs(join(root, dir))))
  return sourcesMs > statSync(index).mtimeMs ? 'the renderer sources changed since the last build' : null
}

/** The renderer's production build (electron-vite.config.ts `renderer`), written to `<root>/out/renderer`. */
async function buildRenderer(root: string): Promise<void> {
  const { resolveConfig } = await import('electron-vite')
  const { build } = await import('vite')
  process.env.NODE_ENV_ELECTRON_VITE = 'production'
  const resolved = await resolveConfig({ root, logLevel: 'warn' }, 'build', 'production')
  const renderer = resolved.config?.renderer
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer config')
  await build({ ...renderer, root: join(root, 'src/renderer') }) // its preset would take the root from process.cwd()
}

/** Real path of a current renderer build, building it first when needed; `log` gets one progress line. */
export async function ensureRendererBuild(log: (line: string) => void, root = projectRoot): Promise<string> {
  const outDir = join(root, 'out', 'renderer')
  if (staleReason(root, outDir) !== null) {
    mkdirSync(join(root, 'out'), { recursive: true })
    await withLock(join(root, 'out', '.renderer-build.lock'), async () => {
      const reason = staleReason(root, outDir) // another server may have built it while we waited
      if (reason === null) return
      log(`building the app (${reason}) …`)
      const startMs = Date.now()
      await buildRenderer(root).catch((error: Error) => {
        throw new Error(`building the renderer failed (${error.message}); build it with \`npm run build\``)
      })
      log(`built the app in ${((Date.now() - startMs) / 1000).toFixed(1)} s`)
    }, { staleAfterMs: lockStaleMs })
  }
  return realpath(outDir)
}
