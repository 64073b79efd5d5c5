// Backends whose packages the user installs next to FlowMo Studio: tfjs-node(-gpu) and WebGPU through Dawn.
// Loaded with import() at start-up only when wanted; each loader throws an Error whose message says what is missing.
import * as tf from '@tensorflow/tfjs-core'
import { registerWebGpu, type DawnModule, type WebGpuBackendClass } from './webgpu'

/** Thrown when an optional package is simply absent (auto mode skips these without a notice). */
export class NotInstalledError extends Error {}

async function importOptional(pkg: string): Promise<Record<string, unknown>> {
  try {
    return (await import(/* @vite-ignore */ pkg)) as Record<string, unknown>
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new NotInstalledError(`${pkg} is not installed`)
    }
    throw new Error(`${pkg} failed to load: ${(e as Error).message}`)
  }
}

/** Registers tfjs-node's 'tensorflow' backend (the -gpu package registers the same name, CUDA-enabled). */
export async function loadTfjsNode(gpu: boolean): Promise<void> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'
  await importOptional(pkg)
  if (!tf.findBackendFactory('tensorflow')) {
    // tfjs-node registered into its own copy of tfjs-core: versions differ, so our ops would never reach it
    throw new Error(`${pkg} uses a different @tensorflow/tfjs-core than ${tf.version_core}; install a matching version`)
  }
}

/**
 * Exposes Dawn's WebGPU (the `webgpu` package) as `navigator.gpu` and registers tfjs's 'webgpu' backend on it
 * (backends/webgpu.ts); returns the adapter's description. Dawn flags come from WGPU_FLAGS.
 */
export async function loadWebGpu(): Promise<string> {
  const dawn = await importOptional('webgpu')
  const backend = await importOptional('@tensorflow/tfjs-backend-webgpu') // before navigator.gpu: no factory of its own
  if (typeof backend.WebGPUBackend !== 'function') {
    throw new Error('@tensorflow/tfjs-backend-webgpu does not export WebGPUBackend; install version 4.22.0')
  }
  return registerWebGpu(dawn as unknown as DawnModule, backend.WebGPUBackend as WebGpuBackendClass)
}
