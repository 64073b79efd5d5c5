// Test harness: a golden set's weights as plain arrays, and the train graph run once in onnxruntime-node
// on the golden x, ε, t with the given keep mask and Adam state.
import * as ort from 'onnxruntime-node'
import { SafetensorsFile } from '../../../../src/trainer/checkpoint/safetensors'
import { encodeModel } from '../../../../src/trainer/export/onnx-proto'
import { buildTrainGraph, type TrainGraph, type TrainGraphOptions } from '../../../../src/trainer/export/grad/train-graph'
import type { GoldenSet } from '../../../../src/trainer/parity/golden-set'

export async function goldenWeights(set: GoldenSet): Promise<Map<string, Float32Array>> {
  const st = await SafetensorsFile.open(`${set.dir}/weights.safetensors`)
  try {
    const out = new Map<string, Float32Array>()
    for (const e of st.header.entries) out.set(e.name, await st.readTensor(e.name))
    return out
  } finally {
    await st.close()
  }
}

export interface StepState {
  keep: Float32Array
  m?: Float32Array
  v?: Float32Array
  lr?: number
  step?: number
  norm0?: (name: string) => number
}

export function float(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, [...dims])
}

/** Builds the graph for the set's batch and runs it once; feeds only what the graph declares. */
export async function runGoldenStep(set: GoldenSet, weights: Map<string, Float32Array>, options: Omit<TrainGraphOptions, 'batch'>, state: StepState) {
  const io = (n: string) => set.io.get(n)!
  const B = io('x').shape[0]
  const graph: TrainGraph = buildTrainGraph(set.config, { ...options, batch: B })
  const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(graph.model)), { intraOpNumThreads: 1 })
  const P = [graph.layout.size]
  const all: Record<string, ort.Tensor> = {
    x: float(io('x').data, io('x').shape), eps: float(io('eps').data, io('eps').shape), t: float(io('t').data, [B]),
    keep: float(state.keep, [B]), params: float(graph.layout.pack((n) => weights.get(n)), P),
    m: float(state.m ?? new Float32Array(P[0]), P), v: float(state.v ?? new Float32Array(P[0]), P),
    lr: float(Float32Array.of(state.lr ?? 0), []), step: float(Float32Array.of(state.step ?? 1), []),
    norm0: float(Float32Array.from(graph.projected, (n) => state.norm0?.(n) ?? 1), [graph.projected.length]),
  }
  const results = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, all[n]])))
  await session.release()
  const out = (name: string) => results[name].data as Float32Array
  return { graph, out }
}
