// Before a checkpoint is exported or loaded on onnxruntime: how much memory the export and the sessions will take,
// how long one sampler step will take on the chosen device, and a refusal when the memory is not there.
import { availableParallelism, freemem } from 'node:os'
import { fusedAttentionOn, type OrtDevice } from '../export/ort-device'
import type { FlowMoConfig } from '../model/configs'

const GB = 1e9

/**
 * Peak RSS per float32 weight byte, from the FlowMo-Lo-sized measurements in docs/performance.md (3.78 GB of
 * weights): the export holds the weights as tensors while it writes the graphs (8.85 GB peak), onnxruntime holds the
 * initializers and its pre-packed copies of the MatMul weights (5.94 GB peak with the export cached).
 */
const EXPORT_RSS_PER_WEIGHT = 2.25
const SESSION_RSS_PER_WEIGHT = 1.5
const PROCESS_BASE_BYTES = 0.3 * GB // node, onnxruntime and the app's own code

/**
 * Assumed decoder throughput (FLOP/s) per device. cpu: 36 GFLOP/s per core, measured (a FlowMo-Lo decoder call,
 * 3.6 TFLOP, in ~50 s on 2 cores); webgpu: a hardware GPU at a modest 10 TFLOP/s (a software adapter: the CPU's
 * rate ÷ 37, as llvmpipe measured on the tiny golden decoder); cuda: 20 TFLOP/s. Rough: the time is an order of
 * magnitude, the memory is what decides a refusal.
 */
function flopRate(device: OrtDevice, softwareAdapter: boolean): number {
  const cpu = 36e9 * availableParallelism()
  if (device === 'cpu') return cpu
  if (device === 'webgpu') return softwareAdapter ? cpu / 37 : 10e12
  return 20e12
}

export interface OpenEstimate {
  readonly weightBytes: number // 4 × parameters (float32)
  readonly exportPeakBytes: number // RSS while the checkpoint is exported to ONNX (first open only)
  readonly inferencePeakBytes: number // RSS with both sessions loaded and a batch-`batch` decoder call running
  readonly decoderFlops: number // one decoder call at `batch`
  readonly callsPerStep: number // 2 with classifier-free guidance (the null code is its own call), else 1
  readonly stepSeconds: number // one sampler step on `device`, rough
  readonly device: OrtDevice
  readonly batch: number
}

/** Tokens the decoder attends over: image patches (S/P)² plus the L code tokens. */
export function decoderTokens(c: FlowMoConfig): number {
  return (c.imageSize / c.patchSize) ** 2 + c.codeLength
}

/**
 * FLOPs of one decoder call at batch 1 (2 per multiply-add): each token passes its stream's qkv (3h²), projection
 * (h²) and MLP (2·r·h²) matmuls in every double block, and attention costs QKᵀ and AV (2·T²·h each) per block.
 */
export function decoderFlops(c: FlowMoConfig): number {
  const d = c.decoder
  const T = decoderTokens(c)
  const h = d.hiddenSize
  const perToken = 2 * (4 + 2 * d.mlpRatio) * h * h * d.depth
  const attention = 4 * T * T * h * d.depth
  return T * perToken + attention
}

/**
 * Activations at the peak of one decoder call: one block's MLP hidden B·T·r·h and, where the graph is unfused
 * (webgpu), its attention scores B·heads·T², twice over (input and output alive together), float32.
 */
function activationBytes(c: FlowMoConfig, batch: number, device: OrtDevice): number {
  const d = c.decoder
  const T = decoderTokens(c)
  const scores = fusedAttentionOn(device) ? 0 : d.numHeads * T * T
  return 2 * 4 * batch * (scores + T * d.mlpRatio * d.hiddenSize)
}

export function estimateOpen(c: FlowMoConfig, parameters: number, device: OrtDevice, opts: { batch?: number; softwareAdapter?: boolean } = {}): OpenEstimate {
  const batch = opts.batch ?? 1
  const weightBytes = 4 * parameters
  const flops = batch * decoderFlops(c)
  const callsPerStep = c.sampling.cfg > 1 ? 2 : 1
  return {
    weightBytes, device, batch, decoderFlops: flops, callsPerStep,
    exportPeakBytes: PROCESS_BASE_BYTES + EXPORT_RSS_PER_WEIGHT * weightBytes,
    inferencePeakBytes: PROCESS_BASE_BYTES + SESSION_RSS_PER_WEIGHT * weightBytes + activationBytes(c, batch, device),
    stepSeconds: (callsPerStep * flops) / flopRate(device, opts.softwareAdapter ?? false),
  }
}

/** The memory this process may use: FLOWMO_MEMORY_GB when set (tests, or to leave room), else the free memory. */
export function memoryBudget(): { bytes: number; source: string } {
  const env = process.env.FLOWMO_MEMORY_GB
  if (env !== undefined && env !== '') {
    const gb = Number(env)
    if (!(gb > 0)) throw new Error(`FLOWMO_MEMORY_GB must be a positive number of gigabytes, got '${env}'`)
    return { bytes: gb * GB, source: 'FLOWMO_MEMORY_GB' }
  }
  const limit = process.constrainedMemory?.() ?? 0 // a cgroup's limit, 0 when none
  const free = freemem()
  return limit > 0 && limit < free ? { bytes: limit, source: 'the memory limit' } : { bytes: free, source: 'free memory' }
}

/** Thrown when the estimate does not fit the budget: opening would swap or be killed. Never falls back to tfjs. */
export class WontFitError extends Error {
  override name = 'WontFitError'
}

/** Refuses (WontFitError, one line) when the stage's peak exceeds the budget. */
export function assertFits(e: OpenEstimate, stage: 'export' | 'inference', what: string, budget = memoryBudget()): void {
  const peak = stage === 'export' ? e.exportPeakBytes : e.inferencePeakBytes
  if (peak <= budget.bytes) return
  throw new WontFitError(`${what}: the ${stage} needs ~${gb(peak)} GB of memory and ${budget.source} is ${gb(budget.bytes)} GB; close other programs or use a machine with more memory`)
}

/** One line: `estimate on cpu: export peak ~X GB, inference peak ~Y GB (batch 1), ~Z s per sampler step (N TFLOP per decoder call)`. */
export function formatEstimate(e: OpenEstimate): string {
  const calls = e.callsPerStep === 2 ? ' ×2 with CFG' : ''
  return `estimate on ${e.device}: export peak ~${gb(e.exportPeakBytes)} GB (first open only), inference peak ~${gb(e.inferencePeakBytes)} GB (batch ${e.batch}), ~${seconds(e.stepSeconds)} per sampler step (${(e.decoderFlops / 1e12).toPrecision(2)} TFLOP per decoder call${calls})`
}

function gb(bytes: number): string {
  return (bytes / GB).toFixed(bytes < 10 * GB ? 2 : 1)
}

function seconds(s: number): string {
  return s < 1 ? `${(s * 1000).toPrecision(2)} ms` : s < 10 ? `${s.toPrecision(2)} s` : s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`
}
