// npm postinstall: downloads the Electron binary ourselves (package.json `allowScripts` blocks electron's own
// install script) with a time limit. Never fails `npm install`: where the download fails, prints one line and goes on.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { desktopUnavailable, electronBinary, electronPackageDir } from './electron-binary.mjs'

const timeoutS = Number(process.env.FLOWMO_ELECTRON_TIMEOUT_S ?? 180) // seconds for the download

function installElectron() {
  const dir = electronPackageDir()
  if (!dir || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || electronBinary()) return
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, encoding: 'utf8', timeout: timeoutS * 1000 })
  if (electronBinary()) return console.log('flowmo: Electron installed; `npm start` opens the app')
  console.log(`flowmo: ${desktopUnavailable} (${reason(result)})`)
}

/** The short cause of a failed download: the first error line, or the timeout. */
function reason(result) {
  if (result.error?.code === 'ETIMEDOUT') return `download timed out after ${timeoutS} s`
  const line = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.split('\n').find((l) => l.trim() && !/^\s+at /.test(l))
  return (line ?? `electron install exited with code ${result.status}`).trim().slice(0, 160)
}

try {
  installElectron()
} catch (error) {
  console.log(`flowmo: ${desktopUnavailable} (${error instanceof Error ? error.message : error})`)
}
