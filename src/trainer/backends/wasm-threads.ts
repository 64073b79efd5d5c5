// Multi-threaded tfjs-backend-wasm in Node: the threaded-SIMD binary with its pthread workers on worker_threads.
// tfjs 4.22 turns threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there) because its Emscripten
// glue hands workers Blob URLs, which worker_threads cannot load; we give it real files instead (see loadThreaded).
// Measured (512×512×512 matMul, median of 5): 1 thread 6.5 ms, 2 threads 3.6 ms with a second core free; on a
// busy 2-core machine 2 threads gain little or lose (12.8–23 vs 14.2–30.8 ms) — FLOWMO_THREADS=1 there.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { BackendWasm, getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'

const requireHere = createRequire(import.meta.url)
const distDir = dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm')) // .../tfjs-backend-wasm/dist
const outDir = join(distDir, '..', 'wasm-out') // Emscripten glue, shipped next to dist/
const THREADED = 'tfjs-backend-wasm-threaded-simd'
/** Emscripten pre-spawns this many pthread workers (PTHREAD_POOL_SIZE in tfjs's build); more would need new ones. */
export const MAX_WASM_THREADS = 8

/** Subset of the Emscripten module that BackendWasm expects, plus the cwrapped entry points tfjs adds. */
type WasmModule = ConstructorParameters<typeof BackendWasm>[0]
type EmscriptenFactory = (config: Record<string, unknown>) => Promise<WasmModule>
type Receive = (instance: unknown, module: unknown) => void
/** The slice of the WebAssembly API used here (the node tsconfig has no DOM lib, which is where it is typed). */
interface WasmApi { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> }
const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

export interface WasmSetup {
  readonly threads: number // what the XNNPACK thread pool really got
  readonly simd: boolean
  readonly notices: string[]
}

let registered: { threads: number; notices: string[] } | null = null

/**
 * Registers the 'wasm' backend factory with `threads` compute threads (1 = tfjs's own single-threaded loader).
 * Call once, before the first `tf.setBackend('wasm')`; later calls keep the first thread count.
 */
export function prepareWasm(threads: number): void {
  if (registered) return
  setWasmPaths(distDir + '/') // the .wasm binaries live in dist/, not next to the importing file
  const notices: string[] = []
  registered = { threads, notices }
  if (threads <= 1) return
  const stock = tf.findBackendFactory('wasm')
  if (!stock) throw new Error('@tensorflow/tfjs-backend-wasm did not register the wasm backend')
  tf.removeBackend('wasm')
  tf.registerBackend('wasm', async () => {
    try {
      setThreadsCount(threads)
      const module = await loadThreaded(threads)
      const backend = new BackendWasm(module) // creates the XNNPACK pool: threads − 1 pthread workers start
      unrefPoolWorkers(module)
      return backend
    } catch (e) {
      notices.push(`wasm threads unavailable (${(e as Error).message}); using 1 thread`)
      setThreadsCount(1)
      return stock()
    }
  }, 2) // tfjs's own priority for wasm
}

/** What the initialised wasm backend runs with (after `tf.setBackend('wasm')`). */
export async function wasmSetup(): Promise<WasmSetup> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
  return { threads: Math.max(1, getThreadsCount()), simd: Boolean(simd), notices: registered?.notices ?? [] }
}

/**
 * Instantiates the threaded-SIMD Emscripten module with Node-loadable worker and main-script paths.
 * Two fixes over tfjs's init(): (1) the pthread worker source is written to a temp .cjs file and the main script
 * is passed as a path, since worker_threads loads neither Blob URLs nor the package's `module.exports = '…'`
 * wrapper; (2) XNNPACK sizes its pool as min(requested, logical cores / 2), so the core count the module
 * sees is set to 2·threads (it halves it assuming hyper-threading, which caps a 2-core machine at 1 thread).
 */
async function loadThreaded(threads: number): Promise<WasmModule> {
  const factory = requireHere(join(outDir, `${THREADED}.js`)) as EmscriptenFactory
  const wasmBytes = readFileSync(join(distDir, `${THREADED}.wasm`))
  const module = await factory({
    locateFile: (path: string) => (path.endsWith('.worker.js') ? workerScriptPath() : join(distDir, path)),
    mainScriptUrlOrBlob: join(outDir, `${THREADED}.js`),
    instantiateWasm: (info: { env: Record<string, unknown> }, receive: Receive) => {
      info.env.emscripten_num_logical_cores = () => 2 * threads
      webAssembly.instantiate(wasmBytes, info).then((r) => receive(r.instance, r.module))
      return {} // asynchronous instantiation (Emscripten's documented contract)
    },
  })
  return withTfjsEntryPoints(module)
}

/** Lets the process exit while the pool's pthread workers idle (Emscripten refs a worker when it runs a thread). */
function unrefPoolWorkers(module: WasmModule): void {
  const pthread = (module as unknown as { PThread: { runningWorkers: { unref(): void }[] } }).PThread
  for (const worker of pthread.runningWorkers) worker.unref()
}

/** The cwrapped C entry points tfjs's init() attaches as `module.tfjs` (backend_wasm.ts). */
function withTfjsEntryPoints(module: WasmModule): WasmModule {
  const cwrap = (module as unknown as { cwrap: unknown }).cwrap as (name: string, ret: string | null, args: string[]) => unknown
  Object.assign(module, {
    tfjs: {
      init: cwrap('init', null, []),
      initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: cwrap('get_threads_count', 'number', []),
      registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: cwrap('dispose_data', null, ['number']),
      dispose: cwrap('dispose', null, []),
    },
  })
  return module
}

/** The pthread worker script as a real file (content-addressed in the temp dir, written atomically once). */
function workerScriptPath(): string {
  const { wasmWorkerContents } = requireHere(join(outDir, `${THREADED}.worker.js`)) as { wasmWorkerContents: string }
  const source = wasmWorkerContents.replace(/\n/g, '\\n') // the template literal unescaped "\n" inside strings
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12)
  const path = join(tmpdir(), `flowmo-${THREADED}-${hash}.worker.cjs`)
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}.tmp`
    writeFileSync(partial, source)
    renameSync(partial, path)
  }
  return path
}
