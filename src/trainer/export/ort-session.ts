// Opens an onnxruntime session on the selected device (ort-device.ts: `--device` / FLOWMO_DEVICE / the app's setting):
// the one place every session the engine opens goes through (inference graphs, the training step, ONNX tokenizers).
// WebGPU or CPU; CUDA when present in this onnxruntime build, else CPU with a notice.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { resolveDevice, sessionOptionsFor, type DeviceChoice, type OrtDevice } from './ort-device'

export interface OrtSessionOptions {
  readonly device?: DeviceChoice // default: requestedDevice() (FLOWMO_DEVICE, else auto)
  readonly intraOpNumThreads?: number // 0 (default) lets onnxruntime use every physical core
  readonly onNotice?: (message: string) => void // e.g. the CUDA fallback; default console.warn
  readonly tuning?: OrtTuning
}

/**
 * Memory, threading and profiling switches on top of the device's options: e.g. the training steps turn the memory
 * pattern and the intra-op threads' spinning off (docs/ort-training.md "Memory", "Speed"); bench/ort-step-profile.ts
 * turns the profiler on. `extra` holds onnxruntime's session config entries (e.g. session.intra_op.allow_spinning).
 */
export type OrtTuning = Pick<ort.InferenceSession.SessionOptions, 'enableMemPattern' | 'enableCpuMemArena' | 'enableProfiling' | 'profileFilePrefix' | 'optimizedModelFilePath' | 'extra'>

/**
 * Intra-op threads for the training sessions: FLOWMO_THREADS when set (as for tfjs-wasm; 1 suits a machine whose cores
 * other work keeps busy), else 0, every core (docs/ort-training.md "Speed").
 */
export function trainingThreads(): number {
  const fromEnv = Number.parseInt(process.env.FLOWMO_THREADS ?? '', 10)
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 0
}

/** Intra-op threads that sleep between kernels instead of spinning (the training loop's sessions share the cores). */
export const SLEEPING_THREADS: OrtTuning = { extra: { session: { intra_op: { allow_spinning: '0' } } } }

/** A session on the device asked for (from a path, which resolves external data beside it, or from bytes). */
export async function openOrtSession(model: string | Uint8Array, options: OrtSessionOptions = {}): Promise<{ session: ort.InferenceSession; device: OrtDevice }> {
  const notice = options.onNotice ?? ((m: string) => console.warn(m))
  const device = await resolveDevice(options.device)
  if (device === 'webgpu') {
    const session = await createSession(model, 'webgpu', options).catch((e: Error) => {
      throw new Error(`onnxruntime: the WebGPU execution provider failed (${e.message.split('\n')[0]}); see \`flowmo info --device webgpu\``)
    })
    return { session, device }
  }
  if (device === 'cuda') {
    const error = cudaUnavailable()
    if (error === null) {
      try {
        return { session: await createSession(model, 'cuda', options), device }
      } catch (e) {
        notice(`onnxruntime: CUDA execution provider failed (${(e as Error).message}); running on CPU`)
      }
    } else {
      notice(`onnxruntime: ${error}; running on CPU`)
    }
  }
  return { session: await createSession(model, 'cpu', options), device: 'cpu' }
}

function createSession(model: string | Uint8Array, device: OrtDevice, options: OrtSessionOptions): Promise<ort.InferenceSession> {
  const sessionOptions = { ...sessionOptionsFor(device, options.intraOpNumThreads), ...options.tuning }
  // the same call twice: `create` has one overload for a path and one for bytes
  return typeof model === 'string' ? ort.InferenceSession.create(model, sessionOptions) : ort.InferenceSession.create(model, sessionOptions)
}

/** Why CUDA cannot be used with this onnxruntime-node install, or null when it may be (CUDA itself can still fail). */
function cudaUnavailable(): string | null {
  const listed = ort.listSupportedBackends().some((b) => b.name === 'cuda')
  if (!listed) return 'this onnxruntime-node build has no CUDA execution provider'
  if (process.platform !== 'linux') return null
  // the Linux package downloads its CUDA provider at install time; without it onnxruntime only logs a load failure
  const binDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', 'linux', process.arch)
  if (existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'))) return null
  return 'onnxruntime-node was installed without its CUDA provider (reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12)'
}
