// Test harness: run one `Ops` forward both through TraceOps → ONNX → onnxruntime-node and through the
// plain-TypeScript RefOps, on the same seeded float32 inputs and weights.
import type { Ops, ParamRef } from '../../../src/trainer/model/ops'
import { numel } from '../../../src/trainer/model/params'
import { encodeModel } from '../../../src/trainer/export/onnx-proto'
import { OrtRunner, type FloatTensor } from '../../../src/trainer/export/ort-runner'
import { traceModel } from '../../../src/trainer/export/to-onnx'
import type { TraceOptions } from '../../../src/trainer/export/trace-ops'
import { RefOps } from './ref-ops'

/** A forward written once against Ops, as model code is. */
export type Forward = <T>(o: Ops<T>, ...xs: T[]) => T

/** Deterministic N(0, 1) floats (mulberry32 + Box–Muller). */
export function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()))
}

/** Weights made up on demand from the key, so every execution sees the same values. */
export function seededWeights(ref: ParamRef): Float32Array {
  const seed = [...ref.name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261)
  return randn(numel(ref.shape), seed).map((v) => v * 0.5)
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

export async function bytesRunner(bytes: Uint8Array): Promise<OrtRunner> {
  return OrtRunner.load(bytes, { intraOpNumThreads: 1 })
}

export interface TracedResult {
  readonly tracedShape: readonly number[] // the shape TraceOps tracked for the output
  readonly runner: OrtRunner
}

/** Traces `forward` with the given input shapes (dim 0 may be -1) into an in-memory ORT session. */
export async function traceAndLoad(forward: Forward, shapes: readonly (readonly number[])[], options: TraceOptions = {}): Promise<TracedResult> {
  let tracedShape: readonly number[] = []
  const model = traceModel({
    ...options,
    inputs: shapes.map((shape, i) => ({ name: `x${i}`, shape })),
    build: (o, ...xs) => {
      const y = forward(o, ...xs)
      tracedShape = y.shape
      return y
    },
    outputNames: ['y'],
    weights: seededWeights,
  })
  return { tracedShape, runner: await bytesRunner(Buffer.concat(encodeModel(model))) }
}

/** Runs a loaded graph and the reference on inputs of the given concrete shapes. */
export async function runBoth(forward: Forward, runner: OrtRunner, shapes: readonly (readonly number[])[], seed = 1) {
  const inputs: FloatTensor[] = shapes.map((shape, i) => ({ data: randn(numel(shape), seed + i), shape }))
  const feeds = Object.fromEntries(inputs.map((t, i) => [`x${i}`, t]))
  const { y } = await runner.run(feeds)
  const ref = new RefOps(seededWeights)
  const expected = forward(ref, ...inputs.map((t) => ({ data: Float64Array.from(t.data), shape: t.shape })))
  return { inputs, actual: y, expected }
}
