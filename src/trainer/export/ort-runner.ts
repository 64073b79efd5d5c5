// Runs an exported ONNX model with onnxruntime-node: float32 feeds in, float32 outputs out. On the device asked
// for (ort-device.ts): WebGPU or CPU; CUDA when present in this onnxruntime build, else CPU with a notice.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { resolveDevice, sessionOptionsFor, type DeviceChoice, type OrtDevice } from './ort-device'

export interface FloatTensor {
  readonly data: Float32Array
  readonly shape: readonly number[]
}

export interface OrtRunnerOptions {
  readonly device?: DeviceChoice // default: requestedDevice() (FLOWMO_DEVICE, else auto)
  readonly intraOpNumThreads?: number // 0 (default) lets onnxruntime use every physical core
  readonly onNotice?: (message: string) => void // e.g. the CUDA fallback; default console.warn
}

export class OrtRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: OrtDevice, // the execution provider actually in use
  ) {}

  /** Loads from a path (needed when the model has external data, resolved beside it) or from bytes. */
  static async load(model: string | Uint8Array, options: OrtRunnerOptions = {}): Promise<OrtRunner> {
    const notice = options.onNotice ?? ((m: string) => console.warn(m))
    const device = await resolveDevice(options.device)
    if (device === 'webgpu') {
      const session = await createSession(model, 'webgpu', options).catch((e: Error) => {
        throw new Error(`onnxruntime: the WebGPU execution provider failed (${e.message.split('\n')[0]}); see \`flowmo info --device webgpu\``)
      })
      return new OrtRunner(session, 'webgpu')
    }
    if (device === 'cuda') {
      const error = cudaUnavailable()
      if (error === null) {
        try {
          return new OrtRunner(await createSession(model, 'cuda', options), 'cuda')
        } catch (e) {
          notice(`onnxruntime: CUDA execution provider failed (${(e as Error).message}); running on CPU`)
        }
      } else {
        notice(`onnxruntime: ${error}; running on CPU`)
      }
    }
    return new OrtRunner(await createSession(model, 'cpu', options), 'cpu')
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames
  }

  async run(feeds: Readonly<Record<string, FloatTensor>>): Promise<Record<string, FloatTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.shape)
    const results = await this.session.run(ortFeeds)
    const outputs: Record<string, FloatTensor> = {}
    for (const [name, t] of Object.entries(results)) {
      if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, expected float32`)
      outputs[name] = { data: t.data as Float32Array, shape: [...t.dims] }
    }
    return outputs
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}

function createSession(model: string | Uint8Array, device: OrtDevice, options: OrtRunnerOptions): Promise<ort.InferenceSession> {
  const sessionOptions = sessionOptionsFor(device, options.intraOpNumThreads)
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
