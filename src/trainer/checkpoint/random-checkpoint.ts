// A random-weight checkpoint with a preset's exact state dict (names, shapes and order as the reference's
// model.state_dict(); for FlowMo-Lo/Hi as golden/state-dict-shapes.json), written as the reference's torch.save
// dict so every feature opens it like an official checkpoint. For size tests and benchmarks, not for quality.
import { preset } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import type { ParamRef } from '../model/ops'
import { numel } from '../model/params'
import { totalStepsKey } from './checkpoint'
import type { PyValue } from './pickle-writer'
import { PthTensors, type WriteProgress } from './pth-writer'

export interface RandomCheckpointOptions {
  readonly seed?: number // default 0: the same seed writes the same values
  readonly stateDicts?: 'ema' | 'both' // default 'ema' (model_ema_state_dict only: half the size)
  readonly onProgress?: WriteProgress
  readonly signal?: AbortSignal
}

/** The preset's state dict, in the reference's order. */
export function presetStateDict(presetName: string): readonly ParamRef[] {
  return new FlowMo(preset(presetName)).parameters()
}

/**
 * Writes `out` (.pth). Weights (2-D and up) are uniform in ±1/√fan_in as torch.nn.Linear initialises them, biases
 * uniform in ±0.01, RMSNorm scales 1; one tensor in memory at a time.
 */
export async function writeRandomCheckpoint(presetName: string, out: string, opts: RandomCheckpointOptions = {}): Promise<{ tensors: number; parameters: number }> {
  const params = presetStateDict(presetName)
  const tensors = new PthTensors()
  const stateDict = () => new Map<string, PyValue>(params.map((p, i) => [p.name, tensors.tensor({ shape: p.shape, read: async () => randomValues(p, (opts.seed ?? 0) * 100_003 + i) })]))
  const root = new Map<string, PyValue>([[totalStepsKey, 0], ['model_ema_state_dict', stateDict()]])
  if (opts.stateDicts === 'both') root.set('model_state_dict', stateDict())
  await tensors.write(out, root, opts.onProgress, opts.signal)
  return { tensors: params.length, parameters: params.reduce((n, p) => n + numel(p.shape), 0) }
}

function randomValues(p: ParamRef, seed: number): Float32Array {
  const out = new Float32Array(numel(p.shape))
  if (p.name.endsWith('.scale')) return out.fill(1) // QKNorm's RMSNorm scales
  const bound = p.shape.length >= 2 ? 1 / Math.sqrt(numel(p.shape.slice(1))) : 0.01
  let s = seed >>> 0 // mulberry32
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), s | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * bound
  }
  return out
}
