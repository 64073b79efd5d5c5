// How the engine starts the training worker: the built run-worker.js beside this module (a bundle), else the
// run-worker.ts source through tsx's ESM API, registered inside the worker (loader flags do not reach workers on Node 20).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** The ESM entry of `tsx/esm/api`, read from tsx's package exports. */
function tsxEsmApi(): string {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json')
  const exports = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports
  return pathToFileURL(join(dirname(packageJson), exports['./esm/api'].import.default)).href
}

export function startRunWorker(options: Pick<WorkerOptions, 'workerData'>): Worker {
  const built = new URL('./run-worker.js', import.meta.url)
  if (existsSync(fileURLToPath(built))) return new Worker(built, options)
  const source = new URL('./run-worker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(source)}))`
  return new Worker(bootstrap, { ...options, eval: true })
}
