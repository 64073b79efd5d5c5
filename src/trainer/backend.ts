// Chooses and starts the tfjs compute backend (architecture.md §2 "Compute"): the one the user asked for
// (--backend / FLOWMO_BACKEND), else the best available; a missing backend falls back with a notice.
// wasm runs the threaded-SIMD binary in Node (backends/wasm-threads.ts); FLOWMO_THREADS sets its thread count.
import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { registerGradients } from './backends/gradients'
import { loadTfjsNode, loadWebGpu, NotInstalledError } from './backends/optional'
import { webGpuAdapter } from './backends/webgpu'
import { MAX_WASM_THREADS, prepareWasm, wasmSetup } from './backends/wasm-threads'

/** Backend names accepted by --backend and FLOWMO_BACKEND; 'auto' (or nothing) picks the best available. */
export const BACKEND_NAMES = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

export interface BackendInfo {
  name: string // backend in use, one of BACKEND_NAMES except 'auto'
  requested: string | null // what was asked for; null = nothing (best available)
  threads: number // CPU threads the backend computes with
  simd: boolean // wasm SIMD in use
  notices: string[] // one line per fallback, e.g. "@tensorflow/tfjs-node is not installed; using wasm"
  tfjsVersion: string
}

let current: BackendInfo | null = null
let pending: { requested: string | null; done: Promise<BackendInfo> } | null = null

/** Starts the requested backend (default: env FLOWMO_BACKEND, else best available). Same request → same result. */
export async function initBackend(requested?: string): Promise<BackendInfo> {
  const asked = parseRequest(requested ?? process.env.FLOWMO_BACKEND)
  registerGradients() // tfjs-core's gradients are not registered by its Node entry point
  if (current && current.requested === asked) return current
  if (pending && pending.requested === asked) return pending.done
  const done = startFirstAvailable(asked)
  pending = { requested: asked, done }
  try {
    current = await done
    return current
  } finally {
    if (pending?.done === done) pending = null
  }
}

/** The backend in use, or null before initBackend has finished. */
export function backendInfo(): BackendInfo | null {
  return current
}

function parseRequest(raw: string | undefined): string | null {
  const name = raw?.trim().toLowerCase()
  if (!name) return null
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${raw}"; valid backends: ${BACKEND_NAMES.join(', ')}`)
  }
  return name
}

/** Candidates in order: the requested one, then the default chain (WebGPU only when asked for explicitly). */
function candidates(asked: string | null): BackendName[] {
  const chain: BackendName[] = ['tensorflow', 'wasm', 'cpu']
  if (asked === null || asked === 'auto') return chain
  if (asked === 'wasm') return ['wasm', 'cpu']
  if (asked === 'cpu') return ['cpu']
  return [asked as BackendName, ...chain]
}

async function startFirstAvailable(asked: string | null): Promise<BackendInfo> {
  const reasons: string[] = [] // why earlier candidates were passed over
  for (const [i, name] of candidates(asked).entries()) {
    try {
      await activate(name)
      const fellBack = reasons.length > 0 ? [`${reasons.join('; ')}; using ${name}`] : []
      return await describe(name, asked, fellBack)
    } catch (e) {
      const requestedOne = i === 0 && asked !== null && asked !== 'auto'
      if (requestedOne || !(e instanceof NotInstalledError)) reasons.push((e as Error).message)
    }
  }
  throw new Error(`no tfjs backend could start: ${reasons.join('; ')}`)
}

/** Loads what `name` needs and makes it tfjs's active backend. */
async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow' || name === 'tensorflow-gpu') await loadTfjsNode(name === 'tensorflow-gpu')
  if (name === 'webgpu') await loadWebGpu()
  if (name === 'wasm') prepareWasm(wasmThreadCount())
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name
  if (!(await tf.setBackend(tfName))) throw new Error(`the ${name} backend failed to initialise`)
}

async function describe(name: BackendName, asked: string | null, fellBack: string[]): Promise<BackendInfo> {
  const base = { name, requested: asked, tfjsVersion: tf.version_core }
  if (name === 'wasm') {
    const wasm = await wasmSetup()
    return { ...base, threads: wasm.threads, simd: wasm.simd, notices: [...fellBack, ...wasm.notices] }
  }
  const threads = name === 'tensorflow' || name === 'tensorflow-gpu' ? availableParallelism() : 1
  const adapter = name === 'webgpu' ? [`webgpu adapter: ${webGpuAdapter()}`] : [] // which GPU (or software GL) it runs on
  return { ...base, threads, simd: false, notices: [...fellBack, ...adapter] }
}

/** FLOWMO_THREADS if set (1 = single-threaded), else one per core, at most what the wasm build pre-spawns. */
function wasmThreadCount(): number {
  const fromEnv = Number.parseInt(process.env.FLOWMO_THREADS ?? '', 10)
  const wanted = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism()
  return Math.min(wanted, MAX_WASM_THREADS)
}
