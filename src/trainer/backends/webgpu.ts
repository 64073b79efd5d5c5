// WebGPU in Node (architecture.md §2 "Compute"): Dawn (the `webgpu` package) becomes `navigator.gpu` and tfjs's
// 'webgpu' backend runs on a device we request ourselves, at the 'compatibility' feature level on Dawn's GL path
// (the one that works on Mesa's software GL; Dawn rejects lavapipe).
import * as tf from '@tensorflow/tfjs-core'

/** The parts of the `webgpu` package's module we use: `create(dawnFlags)` returns a GPU. */
export interface DawnModule {
  create(flags: string[]): GpuLike
  globals: object // GPUBufferUsage, GPUMapMode, … which tfjs reads as globals
}

type FeatureLevel = 'core' | 'compatibility'

interface GpuLike {
  requestAdapter(options?: { featureLevel?: FeatureLevel; powerPreference?: string }): Promise<AdapterLike | null>
}

interface AdapterLike {
  readonly info: { vendor: string; architecture: string; device: string; description: string }
  readonly limits: Record<string, number>
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<unknown>
}

/** tfjs-backend-webgpu's `WebGPUBackend` constructor. */
export type WebGpuBackendClass = new (device: unknown, adapterInfo: unknown) => tf.KernelBackend

/** Why dataSync() cannot work here: tfjs reads GPU data synchronously through an OffscreenCanvas, a browser API. */
export const NO_SYNC_READ =
  'the webgpu backend cannot read GPU data synchronously in Node (tfjs needs a browser OffscreenCanvas); use await tensor.data()'

/** The apt packages Mesa's software GL path needs on Debian/Ubuntu. */
export const MESA_GL_PACKAGES = 'libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri'

const SOFTWARE_GL = 'backend=opengles' // Dawn's GLES backend: Mesa's llvmpipe when there is no GPU driver

// Limits tfjs sizes its kernels by, plus the bindings per shader that compatibility mode lowers by default.
const LIMITS = [
  'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize',
  'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage',
]

let adapterDescription: string | null = null

/** Dawn toggles from WGPU_FLAGS, comma-separated (e.g. `backend=opengles` for Mesa's software GL). */
export function dawnFlags(raw: string | undefined = process.env.WGPU_FLAGS): string[] {
  return (raw ?? '').split(',').map((flag) => flag.trim()).filter(Boolean)
}

/** Dawn's GL backends only offer 'compatibility'; elsewhere try 'core' first. */
export function featureLevels(flags: readonly string[]): FeatureLevel[] {
  const gl = flags.some((flag) => /^backend=(opengl|opengles|gl|gles)$/i.test(flag))
  return gl ? ['compatibility'] : ['core', 'compatibility']
}

/** Dawn set-ups in the order tried: WGPU_FLAGS if given; else Dawn's own pick, then Mesa's software GL. */
export function dawnAttempts(flags: string[] = dawnFlags()): { flags: string[]; level: FeatureLevel }[] {
  const sets = flags.length > 0 ? [flags] : [[], [SOFTWARE_GL]]
  return sets.flatMap((set) => featureLevels(set).map((level) => ({ flags: set, level })))
}

/** Registers tfjs's 'webgpu' backend on the first adapter Dawn offers; returns its one-line description. */
export async function registerWebGpu(dawn: DawnModule, Backend: WebGpuBackendClass): Promise<string> {
  if (adapterDescription !== null && tf.findBackendFactory('webgpu')) return adapterDescription
  Object.assign(globalThis, dawn.globals)
  const { gpu, adapter, level } = await firstAdapter(dawn)
  const scope = globalThis as { navigator?: { gpu?: unknown } }
  scope.navigator ??= {}
  scope.navigator.gpu = gpu // WebGPUBackend checks for it
  const device = await adapter.requestDevice({ requiredLimits: pickLimits(adapter.limits) })
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu') // the package's own factory, if it registered one
  tf.registerBackend('webgpu', () => withClearSyncRead(new Backend(device, adapter.info)))
  adapterDescription = describeAdapter(adapter, level)
  return adapterDescription
}

/** The adapter in use after registerWebGpu, e.g. "llvmpipe-llvm-15-0-6-256-bits- (OpenGL version OpenGL ES 3.2 Mesa 22.3.6), compatibility". */
export function webGpuAdapter(): string | null {
  return adapterDescription
}

async function firstAdapter(dawn: DawnModule): Promise<{ gpu: GpuLike; adapter: AdapterLike; level: FeatureLevel }> {
  const attempts = dawnAttempts()
  const gpus = new Map<string, GpuLike>() // one Dawn instance per flag set
  for (const { flags, level } of attempts) {
    if (featureLevels(flags).length === 1) process.env.EGL_PLATFORM ??= 'surfaceless' // GL compute needs no display
    const key = flags.join(',')
    if (!gpus.has(key)) gpus.set(key, dawn.create(flags))
    const gpu = gpus.get(key)!
    const adapter = await gpu.requestAdapter({ featureLevel: level, powerPreference: 'high-performance' })
    if (adapter) return { gpu, adapter, level }
  }
  const tried = [...new Set(attempts.map(({ flags }) => flags.join(',') || 'default'))].join(', ')
  throw new Error(
    `WebGPU found no adapter (Dawn flags tried: ${tried}); Mesa's software GL (WGPU_FLAGS=${SOFTWARE_GL}) ` +
      `needs the packages ${MESA_GL_PACKAGES}`,
  )
}

/** Replaces the ReferenceError tfjs throws on dataSync() of GPU data with one that says what to do. */
function withClearSyncRead(backend: tf.KernelBackend): tf.KernelBackend {
  const readSync = backend.readSync.bind(backend)
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId)
    } catch (e) {
      if (e instanceof ReferenceError && e.message.includes('OffscreenCanvas')) throw new Error(NO_SYNC_READ)
      throw e
    }
  }
  return backend
}

function pickLimits(limits: Record<string, number>): Record<string, number> {
  return Object.fromEntries(LIMITS.filter((name) => typeof limits[name] === 'number').map((name) => [name, limits[name]]))
}

function describeAdapter(adapter: AdapterLike, level: FeatureLevel): string {
  const { vendor, architecture, device, description } = adapter.info
  const name = [vendor, architecture, device].filter(Boolean).join(' ') || 'unnamed adapter'
  return `${name}${description ? ` (${description})` : ''}, ${level}`
}
