// Op-level parity: each Ops method traced to ONNX and run in onnxruntime-node matches the plain-TS
// reference and the eager tfjs TfOps (max abs ≤ 1e-5) on seeded inputs; traced shapes equal actual ones.
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { TfOps } from '../../../src/trainer/model/tf-ops'
import type { FloatTensor } from '../../../src/trainer/export/ort-runner'
import type { Ops } from '../../../src/trainer/model/ops'
import { OnnxGraph } from '../../../src/trainer/export/onnx-graph'
import { encodeModel } from '../../../src/trainer/export/onnx-proto'
import { traceModel } from '../../../src/trainer/export/to-onnx'
import { TraceOps } from '../../../src/trainer/export/trace-ops'
import { transpose2d } from '../../../src/trainer/export/transposed-weight'
import { bytesRunner, maxAbsDiff, randn, runBoth, seededWeights, traceAndLoad, type Forward } from './traced-run'

const declared = new Map<string, number[]>() // every parameter the cases use, for the tfjs weight map
const W = (name: string, shape: number[]) => {
  declared.set(name, shape)
  return { name, shape }
}

/** The same forward eagerly on tfjs (TfOps, cpu backend) with the same weights and inputs. */
function runTf(forward: Forward, inputs: readonly FloatTensor[]): Float32Array {
  return tf.tidy(() => {
    const weights = new Map([...declared].map(([name, shape]) => [name, tf.tensor(seededWeights({ name, shape }), shape)]))
    const y = forward(new TfOps(weights), ...inputs.map((t) => tf.tensor(t.data, [...t.shape])))
    return y.dataSync() as Float32Array // sync point (test)
  })
}

/** name → [forward, input shapes]; one case per op (and per distinct mapping of an op). */
const cases: Record<string, [Forward, number[][]]> = {
  param: [(o, x) => o.add(x, o.param(W('blk.norm.scale', [4]))), [[2, 3, 4]]],
  constant: [(o, x) => o.mul(x, o.constant(randn(12, 7), [3, 4])), [[2, 3, 4]]],
  fill: [(o, x) => o.fill(x, [3, 2], 0.75), [[2, 5]]],
  reshape: [(o, x) => o.reshape(x, [2, -1, 2]), [[2, 3, 4]]],
  transpose: [(o, x) => o.transpose(x, [2, 0, 1]), [[2, 3, 4]]],
  concat: [(o, a, b) => o.concat([a, b, a], 1), [[2, 3, 4], [2, 1, 4]]],
  'concat (last axis)': [(o, a, b) => o.concat([a, b], -1), [[2, 3], [2, 5]]],
  slice: [(o, x) => o.slice(x, 1, 1, 2), [[2, 4, 3]]],
  'slice (last axis)': [(o, x) => o.slice(x, -1, 2, 3), [[2, 6]]],
  linear: [(o, x) => o.linear(x, o.param(W('lin.weight', [5, 4])), o.param(W('lin.bias', [5]))), [[2, 3, 4]]],
  'linear (no bias)': [(o, x) => o.linear(x, o.param(W('proj.weight', [6, 4])), null), [[3, 4]]],
  matmul: [(o, a, b) => o.matmul(a, b, false), [[2, 2, 3, 4], [2, 2, 4, 5]]],
  'matmul (transposeB)': [(o, a, b) => o.matmul(a, b, true), [[2, 3, 4], [2, 5, 4]]],
  add: [(o, a, b) => o.add(a, b), [[2, 3, 4], [4]]],
  sub: [(o, a, b) => o.sub(a, b), [[2, 3, 4], [2, 1, 4]]],
  mul: [(o, a, b) => o.mul(a, b), [[2, 1, 4], [2, 3, 1]]],
  scale: [(o, x) => o.scale(x, -1.7), [[2, 3]]],
  addScalar: [(o, x) => o.addScalar(x, 0.3), [[2, 3]]],
  silu: [(o, x) => o.silu(o.scale(x, 3)), [[2, 16]]],
  geluTanh: [(o, x) => o.geluTanh(o.scale(x, 3)), [[2, 16]]],
  softmax: [(o, x) => o.softmax(o.scale(x, 4)), [[2, 3, 7]]],
  attention: [(o, q, k, v) => o.attention(q, k, v, 0.35), [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4]]],
  layerNorm: [(o, x) => o.layerNorm(o.addScalar(x, 2), 1e-6), [[2, 3, 8]]],
  rmsNorm: [(o, x) => o.rmsNorm(x, o.param(W('norm.scale', [8])), 1e-6), [[2, 3, 8]]],
  cos: [(o, x) => o.cos(o.scale(x, 5)), [[3, 4]]],
  sin: [(o, x) => o.sin(o.scale(x, 5)), [[3, 4]]],
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('TraceOps → onnxruntime-node matches the plain-TS reference and TfOps', () => {
  it.each(Object.entries(cases))('%s', async (_, [forward, shapes]) => {
    const { tracedShape, runner } = await traceAndLoad(forward, shapes)
    const { inputs, actual, expected } = await runBoth(forward, runner, shapes)
    expect(actual.shape).toEqual(expected.shape)
    expect(tracedShape).toEqual(expected.shape)
    expect(maxAbsDiff(actual.data, expected.data)).toBeLessThanOrEqual(1e-5)
    expect(maxAbsDiff(actual.data, runTf(forward, inputs))).toBeLessThanOrEqual(1e-5)
    await runner.release()
  })
})

/** Attention-like shuffling of a [B, L, H·D] tensor, as model code writes it with a -1 batch. */
const dynamicForward: Forward = <T,>(o: Ops<T>, x: T, y: T) => {
  const [B, L] = o.shape(x)
  const heads = o.transpose(o.reshape(x, [B, L, 2, 3]), [0, 2, 1, 3]) // [B, H, L, D]
  const att = o.softmax(o.matmul(heads, heads, true)) // [B, H, L, L]
  const merged = o.reshape(o.transpose(o.matmul(att, heads, false), [0, 2, 1, 3]), [B, -1, 6]) // [B, L, H·D]
  const withPad = o.concat([merged, o.fill(x, [1, 6], 0.5)], 1) // [B, L + 1, H·D]
  const rows = o.reshape(o.slice(withPad, 1, 1, L), [-1, 6]) // [B·L, H·D]
  return o.reshape(o.add(rows, o.reshape(y, [-1, 6])), [B, L, 6])
}

describe('dynamic batch', () => {
  it('a graph traced with batch -1 runs at batch 1 and 3', async () => {
    const { tracedShape, runner } = await traceAndLoad(dynamicForward, [[-1, 4, 6], [-1, 4, 6]])
    expect(tracedShape).toEqual([-1, 4, 6])
    for (const batch of [1, 3]) {
      const shapes = [[batch, 4, 6], [batch, 4, 6]]
      const { actual, expected } = await runBoth(dynamicForward, runner, shapes, batch)
      expect(actual.shape).toEqual([batch, 4, 6])
      expect(maxAbsDiff(actual.data, expected.data)).toBeLessThanOrEqual(1e-5)
    }
    await runner.release()
  })
})

describe('attention', () => {
  const att: Forward = (o, q, k, v) => o.attention(q, k, v, 0.5) // q, k, v [B, 3, 7, 4] → [B, 7, 12]

  it('fused (com.microsoft MultiHeadAttention) and unfused (MatMul/Softmax) agree at a dynamic batch', async () => {
    const fused = await traceAndLoad(att, [[-1, 3, 7, 4], [-1, 3, 7, 4], [-1, 3, 7, 4]])
    const unfused = await traceAndLoad(att, [[-1, 3, 7, 4], [-1, 3, 7, 4], [-1, 3, 7, 4]], { fusedAttention: false })
    expect(fused.tracedShape).toEqual([-1, 7, 12])
    for (const batch of [1, 3]) {
      const shapes = [[batch, 3, 7, 4], [batch, 3, 7, 4], [batch, 3, 7, 4]]
      const a = await runBoth(att, fused.runner, shapes, batch)
      const b = await runBoth(att, unfused.runner, shapes, batch)
      expect(a.actual.shape).toEqual([batch, 7, 12])
      expect(maxAbsDiff(a.actual.data, a.expected.data)).toBeLessThanOrEqual(1e-5)
      expect(maxAbsDiff(a.actual.data, b.actual.data)).toBeLessThanOrEqual(1e-5)
    }
    await Promise.all([fused.runner.release(), unfused.runner.release()])
  })

  it('imports the com.microsoft domain only when the fused node is used', () => {
    const trace = (fusedAttention: boolean) => {
      const o = new TraceOps(new OnnxGraph('g'), seededWeights, { fusedAttention })
      const [q, k, v] = ['q', 'k', 'v'].map((n) => o.input(n, [-1, 2, 5, 4]))
      o.output(o.attention(q, k, v, 0.5), 'y')
      return o.graph.toModel()
    }
    const fused = trace(true)
    expect(fused.domainOpsets).toEqual({ 'com.microsoft': 1 })
    expect(fused.graph.nodes.find((n) => n.opType === 'MultiHeadAttention')?.domain).toBe('com.microsoft')
    const unfused = trace(false)
    expect(unfused.domainOpsets).toEqual({})
    expect(unfused.graph.nodes.map((n) => n.opType)).toContain('Softmax')
  })
})

describe('shape tracking and validation', () => {
  const o = new TraceOps(new OnnxGraph('g'), seededWeights)
  const x = o.input('x', [-1, 4, 6])

  it('tracks shapes through reshape, slice, concat and fill', () => {
    expect(o.shape(o.reshape(x, [-1, 24]))).toEqual([-1, 24])
    expect(o.shape(o.reshape(x, [-1, -1, 3]))).toEqual([-1, 8, 3])
    expect(o.shape(o.slice(x, 2, 1, 4))).toEqual([-1, 4, 4])
    expect(o.shape(o.concat([x, x], -1))).toEqual([-1, 4, 12])
    expect(o.shape(o.fill(x, [2], 0))).toEqual([-1, 2])
  })

  it('rejects what ONNX could not run', () => {
    expect(() => o.reshape(x, [4, 6])).toThrow(/dynamic-batch/)
    expect(() => o.reshape(o.input('s', [4, 6]), [5, -1])).toThrow(/cannot reshape/)
    expect(() => o.reshape(x, [-1, -1, 5])).toThrow(/cannot reshape/)
    expect(() => o.slice(x, 1, 3, 2)).toThrow(/out of range/)
    expect(() => o.transpose(x, [0, -1, 1])).toThrow(/not a permutation/)
    expect(() => o.transpose(x, [0, 1])).toThrow(/not a permutation/)
    expect(() => o.matmul(x, x, false)).toThrow(/inner dims/)
    expect(() => o.add(x, o.input('z', [5]))).toThrow(/broadcast/)
    const short = new TraceOps(new OnnxGraph('g'), () => new Float32Array(3))
    expect(() => short.param({ name: 'w', shape: [2, 2] })).toThrow(/hold 3 values.*needs 4/)
  })

  it('adds each parameter once, under its PyTorch key', () => {
    const a = o.param({ name: 'blocks.0.attn.qkv.weight', shape: [3, 2] })
    expect(o.param({ name: 'blocks.0.attn.qkv.weight', shape: [3, 2] })).toBe(a)
    expect(a.name).toBe('blocks.0.attn.qkv.weight')
  })
})

describe('parameters as graph inputs (paramInputs)', () => {
  // a Linear read only by `linear` (stored transposed), and a scale read by `mul` (stored as it is)
  const forward: Forward = (o, x) => o.mul(o.linear(x, o.param({ name: 'lin.weight', shape: [5, 4] }), o.param({ name: 'lin.bias', shape: [5] })), o.param({ name: 'scale', shape: [5] }))

  it('declares each parameter as an input under its key (`<key>.T` for a transposed weight), never reads the weights, and runs as the initializer graph when fed them', async () => {
    const model = traceModel({
      inputs: [{ name: 'x', shape: [-1, 3, 4] }], build: forward, outputNames: ['y'], paramInputs: true,
      weights: () => { throw new Error('read') },
    })
    expect(model.graph.inputs.map((i) => [i.name, i.shape])).toEqual([['x', [-1, 3, 4]], ['lin.weight.T', [4, 5]], ['lin.bias', [5]], ['scale', [5]]])
    expect(model.graph.initializers.map((t) => t.name).filter((n) => /lin|scale/.test(n))).toEqual([])
    const fed = await bytesRunner(Buffer.concat(encodeModel(model)))
    const { runner } = await traceAndLoad(forward, [[-1, 3, 4]])
    const x = { data: randn(24, 5), shape: [2, 3, 4] }
    const w = (name: string, shape: number[]) => seededWeights({ name, shape })
    const weights = {
      'lin.weight.T': { data: transpose2d(w('lin.weight', [5, 4]), 5, 4), shape: [4, 5] },
      'lin.bias': { data: w('lin.bias', [5]), shape: [5] },
      scale: { data: w('scale', [5]), shape: [5] },
    }
    const [a, b] = [(await fed.run({ x, ...weights })).y.data, (await runner.run({ x0: x })).y.data]
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-6)
    const moved = { ...weights, scale: { data: weights.scale.data.map((v) => 2 * v), shape: [5] } }
    expect(maxAbsDiff((await fed.run({ x, ...moved })).y.data, b.map((v) => 2 * v))).toBeLessThanOrEqual(1e-5)
    await Promise.all([fed.release(), runner.release()])
  })
})
