// Which onnxruntime execution provider runs the engine's sessions (`--device` / FLOWMO_DEVICE), and for WebGPU the
// adapter Dawn finds (the `webgpu` package: the same Dawn, on Vulkan/Metal/D3D12, that onnxruntime embeds), probed
// only when a session is about to open or `flowmo info` asks, in a child process that keeps Dawn's notes off stderr.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { InferenceSession } from 'onnxruntime-node' // types only: the CLI reads DEVICE_CHOICES without loading it

export type OrtDevice = 'cpu' | 'webgpu' | 'cuda'
export type DeviceChoice = OrtDevice | 'auto'
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'webgpu', 'cuda']

/** The adapter Dawn offers, as `flowmo info --device webgpu` prints it. */
export interface WebGpuAdapter {
  readonly name: string // e.g. "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1"
  readonly vendor: string // e.g. "mesa", "nvidia"
  readonly architecture: string // e.g. "software", "ampere"
  readonly backend: string // Dawn's backend on this platform: vulkan, metal or d3d12
  readonly software: boolean // a CPU implementation (lavapipe/llvmpipe, SwiftShader): used only when asked for
}

/** Dawn's default backend per platform (onnxruntime-node's WebGPU provider uses the same one). */
const DAWN_BACKEND: Readonly<Record<string, string>> = { linux: 'vulkan', darwin: 'metal', win32: 'd3d12' }
const run = promisify(execFile)

/** Checks a device name from the command line, the environment or the app. */
export function parseDevice(value: string, source = '--device'): DeviceChoice {
  if ((DEVICE_CHOICES as readonly string[]).includes(value)) return value as DeviceChoice
  throw new Error(`${source} must be one of ${DEVICE_CHOICES.join(', ')}, got '${value}'`)
}

/** The device asked for: FLOWMO_DEVICE (the CLI's `--device` and the app's setting write it), else auto. */
export function requestedDevice(): DeviceChoice {
  const value = process.env.FLOWMO_DEVICE
  return value ? parseDevice(value, 'FLOWMO_DEVICE') : 'auto'
}

let adapterProbe: Promise<WebGpuAdapter> | null = null

/** The adapter Dawn finds (probed once per process), or an Error saying why there is none. */
export function webGpuAdapter(): Promise<WebGpuAdapter> {
  adapterProbe ??= probeAdapter()
  return adapterProbe
}

/** auto → webgpu when Dawn finds a hardware adapter, else cpu; an explicit choice is kept as it is. */
export async function resolveDevice(choice: DeviceChoice = requestedDevice()): Promise<OrtDevice> {
  if (choice !== 'auto') return choice
  const adapter = await webGpuAdapter().catch(() => null)
  return adapter && !adapter.software ? 'webgpu' : 'cpu'
}

/**
 * Whether exports for this device use onnxruntime's fused MultiHeadAttention. Not on WebGPU: there onnxruntime
 * sends head sizes divisible by 4 to a flash-attention kernel built on subgroup shuffles, which on lavapipe
 * (subgroup size 8) weights every key after the first 8 wrongly (|Δ| ~1e-2 at ≥ 32 keys); the unfused
 * MatMul/Softmax/MatMul graph matches the CPU provider to ~1e-6 (docs/onnx.md "Devices").
 */
export function fusedAttentionOn(device: OrtDevice): boolean {
  return device !== 'webgpu'
}

/** Session options that put a session on `device` (onnxruntime adds its CPU provider for any op left over). */
export function sessionOptionsFor(device: OrtDevice, intraOpNumThreads = 0): InferenceSession.SessionOptions {
  // severity 3: errors only (the WebGPU provider warns on every session that shape ops stay on the CPU)
  return { executionProviders: [device], graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads, logSeverityLevel: 3 }
}

/**
 * Asks Dawn for its adapter in a child process. Dawn writes notes on the adapter's limits straight to stderr
 * ("Warning: maxDynamic…Buffers artificially reduced …", twice on lavapipe), past every log level onnxruntime or the
 * `webgpu` package offers; the child's stderr is dropped, so a probe prints nothing (`flowmo info`, `--device auto`).
 */
async function probeAdapter(): Promise<WebGpuAdapter> {
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve('webgpu')
  } catch (e) {
    throw new Error(`cannot look for a WebGPU adapter: the optional package 'webgpu' (Dawn) is not installed (${(e as Error).message.split('\n')[0]})`)
  }
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' } // in the app, execPath is Electron: run it as Node
  const child = await run(process.execPath, ['--input-type=module', '-e', DAWN_PROBE, pathToFileURL(entry).href], { env, timeout: 120_000 })
    .catch((e: Error & { stderr?: string }) => {
      const why = (e.stderr ?? '').split('\n').find((l) => l.trim() && !l.startsWith('Warning:')) ?? e.message.split('\n')[0]
      throw new Error(`cannot look for a WebGPU adapter: the probe process failed (${why})`)
    })
  const reply = JSON.parse(child.stdout) as { loadError?: string; info?: DawnAdapterInfo | null }
  if (reply.loadError) throw new Error(`cannot look for a WebGPU adapter: the optional package 'webgpu' (Dawn) did not load (${reply.loadError})`)
  const backend = DAWN_BACKEND[process.platform] ?? 'default'
  if (!reply.info) {
    const hint = process.platform === 'linux' ? '; without a GPU driver, Mesa ≥ 24 lavapipe (Debian bookworm-backports mesa-vulkan-drivers) provides a software one' : ''
    throw new Error(`Dawn found no WebGPU adapter on ${backend}: no ${backend} driver with WebGPU's core features${hint}`)
  }
  const { vendor, architecture, device, description } = reply.info
  const name = description || device || 'unnamed adapter'
  const software = reply.info.isFallbackAdapter === true || architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(name)
  return { name, vendor, architecture, backend, software }
}

/** The probe process: loads the `webgpu` package (its URL is the one argument) and prints the adapter's info as JSON. */
const DAWN_PROBE = `
let create
try { ({ create } = await import(process.argv[1])) } catch (e) { console.log(JSON.stringify({ loadError: String(e.message).split('\\n')[0] })); process.exit(0) }
const a = await create([]).requestAdapter({ featureLevel: 'core', powerPreference: 'high-performance' })
const i = a && a.info
console.log(JSON.stringify({ info: i && { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter } }))
process.exit(0)
`

interface DawnAdapterInfo {
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  readonly isFallbackAdapter?: boolean
}
