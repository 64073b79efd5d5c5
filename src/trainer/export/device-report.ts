// What `flowmo info` says about the inference device: the choice, the execution provider a session really gets
// (tried on a one-node graph), and for WebGPU the adapter; an Error naming the reason when WebGPU has none.
import { OnnxGraph } from './onnx-graph'
import { encodeModel } from './onnx-proto'
import { requestedDevice, resolveDevice, webGpuAdapter, type DeviceChoice, type OrtDevice, type WebGpuAdapter } from './ort-device'
import { OrtRunner } from './ort-runner'

export interface DeviceReport {
  readonly requested: DeviceChoice
  readonly device: OrtDevice // the execution provider a session opened on
  readonly adapter: WebGpuAdapter | null // when device is webgpu, or when auto passed over a software adapter
  readonly notices: readonly string[] // e.g. the CUDA fallback
}

export async function deviceReport(requested: DeviceChoice = requestedDevice()): Promise<DeviceReport> {
  const adapter = requested === 'webgpu' || requested === 'auto' ? await webGpuAdapter().catch((e: Error) => e) : null
  if (requested === 'webgpu' && adapter instanceof Error) throw adapter
  const device = await resolveDevice(requested)
  const notices: string[] = []
  const runner = await OrtRunner.load(identityGraph(), { device, onNotice: (m) => notices.push(m) })
  await runner.release()
  return { requested, device: runner.device, adapter: adapter instanceof Error ? null : adapter, notices }
}

/** One line for `flowmo info`, e.g. "webgpu (llvmpipe: Mesa 25.0.7 …; vendor mesa, software, vulkan)". */
export function formatDevice(r: DeviceReport): string {
  const a = r.adapter
  if (r.device === 'webgpu' && a) return `webgpu (${a.name}; vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}, backend ${a.backend}${a.software ? ', a software adapter' : ''})`
  const auto = a ? `auto: the WebGPU adapter ${a.name} is software, used only with --device webgpu` : 'auto: no WebGPU adapter'
  const why = r.requested === 'auto' ? auto : r.requested === r.device ? 'requested' : `${r.requested} requested but unavailable`
  return `${r.device} (${why})`
}

/** y = Identity(x): enough for onnxruntime to place a session on a provider. */
function identityGraph(): Uint8Array {
  const g = new OnnxGraph('probe')
  g.addInput('x', [1])
  g.addNode('Identity', ['x'], [], ['y'])
  g.addOutput('y', [1])
  return Buffer.concat(encodeModel(g.toModel()))
}
