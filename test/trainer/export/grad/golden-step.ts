// Test harness: a golden set's weights as plain arrays, and the train graph run once in onnxruntime-node
// with Adam state zero and the golden x, ε, t (keep = 1: the reference computes its gradients without CFG dropout).
import * as ort from 'onnxruntime-node'
import { SafetensorsFile } from '../../../../src/trainer/checkpoint/safetensors'
import { encodeModel } from '../../../../src/trainer/export/onnx-proto'
import { buildTrainGraph, type TrainGraphOptions } from '../../../../src/trainer/export/grad/train-graph'
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

export async function runGoldenStep(set: GoldenSet, weights: Map<string, Float32Array>, options: Omit<TrainGraphOptions, 'batch'>) {
  const io = (n: string) => set.io.get(n)!
  const B = io('x').shape[0]
  const graph = buildTrainGraph(set.config, { ...options, batch: B })
  const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(graph.model)), { intraOpNumThreads: 1 })
  const f = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, [...dims])
  const feeds: Record<string, ort.Tensor> = {
    x: f(io('x').data, io('x').shape),
    eps: f(io('eps').data, io('eps').shape),
    t: f(io('t').data, [B]),
    keep: f(new Float32Array(B).fill(1), [B]),
  }
  for (const p of graph.trained) feeds[p.name] = f(weights.get(p.name)!, p.shape)
  const results = await session.run(feeds)
  await session.release()
  return { graph, results }
}
