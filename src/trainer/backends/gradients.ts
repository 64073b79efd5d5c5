// Registers tfjs-core's gradient functions in Node. tfjs-core ships them only as ES modules with directory imports
// that Node's ESM loader rejects, so (as the @tensorflow/tfjs bundle does) we bundle `register_all_gradients` once
// into a CommonJS file with esbuild and load it; the kernel and gradient registries are process-global.
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'

const requireHere = createRequire(import.meta.url)
let registered = false

export function registerGradients(): void {
  if (registered) return
  const coreDir = dirname(requireHere.resolve('@tensorflow/tfjs-core/package.json'))
  const version = (requireHere('@tensorflow/tfjs-core/package.json') as { version: string }).version
  const cacheDir = join(coreDir, '..', '..', '.cache', 'flowmo-studio')
  const bundle = join(cacheDir, `register-gradients-${version}.cjs`)
  if (!existsSync(bundle)) {
    mkdirSync(cacheDir, { recursive: true })
    const esbuild = requireHere('esbuild') as typeof import('esbuild')
    esbuild.buildSync({
      entryPoints: [join(coreDir, 'dist', 'register_all_gradients.js')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: `${bundle}.${process.pid}.tmp`,
      logLevel: 'error',
    })
    renameSync(`${bundle}.${process.pid}.tmp`, bundle) // concurrent first runs write identical files; last one wins
  }
  requireHere(bundle)
  registered = true
}
