// Where the Electron binary is, if it is installed; shared by postinstall.mjs and start.mjs.
// Mirrors node_modules/electron/index.js (path.txt names the executable inside dist/).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export const desktopUnavailable =
  'desktop window unavailable: the Electron binary is not installed; web mode (`npx flowmo serve`) and the CLI (`npx flowmo --help`) still work'

/** The electron package folder, or null when it is not installed at all (e.g. `npm install --omit=dev`). */
export function electronPackageDir() {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return null
  }
}

/** Absolute path of the Electron executable, or null when it has not been downloaded. */
export function electronBinary() {
  const dir = electronPackageDir()
  const pathFile = dir && join(dir, 'path.txt')
  if (!pathFile || !existsSync(pathFile)) return null
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}
