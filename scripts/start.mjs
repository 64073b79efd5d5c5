// `npm start`: builds the app and opens it when the Electron binary is installed; otherwise says why not and
// what works instead, and exits 0 (a missing desktop binary is an expected set-up, not an error).
import { spawnSync } from 'node:child_process'
import { desktopUnavailable, electronBinary } from './electron-binary.mjs'

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' })
  return result.status ?? 1
}

if (!electronBinary()) {
  console.log(`flowmo: ${desktopUnavailable}.`)
  console.log('flowmo: to retry the download: `node scripts/postinstall.mjs` (needs access to github.com)')
  process.exit(0)
}
// electron-vite preview = production build, then open it in Electron
process.exit(run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'preview']))
