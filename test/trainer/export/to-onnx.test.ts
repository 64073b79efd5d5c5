// traceToOnnx end to end: a toy two-layer MLP-with-attention written against Ops is exported to a file
// (inline and as external data; a cancelled write leaves no file), loaded by path in onnxruntime-node and checked against the TS reference.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Ops, ParamRef } from '../../../src/trainer/model/ops'
import { Params } from '../../../src/trainer/model/params'
import { OrtRunner } from '../../../src/trainer/export/ort-runner'
import { traceModel, traceToOnnx } from '../../../src/trainer/export/to-onnx'
import type { Sym, TraceOps } from '../../../src/trainer/export/trace-ops'
import { maxAbsDiff, randn, seededWeights } from './traced-run'
import { RefOps } from './ref-ops'

const [D, HEADS, L] = [16, 2, 5]

/** Two pre-norm blocks: RMS-normed single-head-pair attention, then a GELU MLP; x [B, L, D] → [B, L, D]. */
class ToyBlock {
  readonly norm: ParamRef
  readonly qkv: ParamRef
  readonly qkvBias: ParamRef
  readonly fc1: ParamRef
  readonly fc2: ParamRef
  constructor(p: Params) {
    this.norm = p.sub('norm').declare('scale', [D])
    this.qkv = p.sub('qkv').declare('weight', [3 * D, D])
    this.qkvBias = p.sub('qkv').declare('bias', [3 * D])
    this.fc1 = p.sub('mlp').sub(0).declare('weight', [4 * D, D])
    this.fc2 = p.sub('mlp').sub(2).declare('weight', [D, 4 * D])
  }
  forward<T>(o: Ops<T>, x: T): T {
    const qkv = o.linear(o.rmsNorm(x, o.param(this.norm), 1e-6), o.param(this.qkv), o.param(this.qkvBias)) // [B, L, 3D]
    const head = (k: number) => o.transpose(o.reshape(o.slice(qkv, 2, k * D, D), [-1, L, HEADS, D / HEADS]), [0, 2, 1, 3]) // [B, H, L, Dh]
    const weights = o.softmax(o.scale(o.matmul(head(0), head(1), true), 1 / Math.sqrt(D / HEADS))) // [B, H, L, L]
    const attn = o.reshape(o.transpose(o.matmul(weights, head(2), false), [0, 2, 1, 3]), [-1, L, D]) // [B, L, D]
    const h = o.add(x, attn)
    const mlp = o.linear(o.geluTanh(o.linear(o.layerNorm(h, 1e-6), o.param(this.fc1), null)), o.param(this.fc2), null)
    return o.add(h, mlp)
  }
}

const root = Params.root()
const blocks = [new ToyBlock(root.sub('blocks').sub(0)), new ToyBlock(root.sub('blocks').sub(1))]
const toy = <T,>(o: Ops<T>, x: T): T => blocks.reduce((h, b) => b.forward(o, h), x)

const dir = mkdtempSync(join(tmpdir(), 'flowmo-onnx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function checkAgainstReference(path: string): Promise<void> {
  const runner = await OrtRunner.load(path, { intraOpNumThreads: 1 })
  expect(runner.inputNames).toEqual(['x'])
  expect(runner.outputNames).toEqual(['y'])
  for (const batch of [1, 3]) {
    const x = randn(batch * L * D, batch)
    const { y } = await runner.run({ x: { data: x, shape: [batch, L, D] } })
    const expected = toy(new RefOps(seededWeights), { data: Float64Array.from(x), shape: [batch, L, D] })
    expect(y.shape).toEqual([batch, L, D])
    expect(maxAbsDiff(y.data, expected.data)).toBeLessThanOrEqual(1e-5)
  }
  await runner.release()
}

const spec = {
  inputs: [{ name: 'x', shape: [-1, L, D] }],
  build: (o: TraceOps, x: Sym) => toy(o, x),
  outputNames: ['y'],
  weights: seededWeights,
}

describe('traceToOnnx', () => {
  it('writes one self-contained file that onnxruntime runs at any batch', async () => {
    const path = join(dir, 'toy.onnx')
    const report = await traceToOnnx({ ...spec, path })
    expect(report).toMatchObject({ modelPath: path, dataPath: null, dataBytes: 0 })
    expect(statSync(path).size).toBe(report.modelBytes)
    expect(existsSync(`${path}.data`)).toBe(false)
    await checkAgainstReference(path)
  })

  it('moves large weights to <name>.onnx.data past the threshold, with the same results', async () => {
    const path = join(dir, 'toy-external.onnx')
    const report = await traceToOnnx({ ...spec, path, externalDataThresholdBytes: 4096 })
    expect(report.dataPath).toBe(`${path}.data`)
    expect(statSync(`${path}.data`).size).toBe(report.dataBytes)
    // the 4D·D MLP weights (4 KiB each) are moved; the model file keeps only small tensors
    const inline = statSync(join(dir, 'toy.onnx')).size
    expect(report.modelBytes).toBeLessThan(inline - 4 * 4 * D * D * 4)
    expect(readFileSync(path).includes(Buffer.from('toy-external.onnx.data'))).toBe(true)
    await checkAgainstReference(path)
  })

  it('stops a cancelled write at once, leaving no half-written file and an earlier file as it was', async () => {
    const stopped = async (path: string) => {
      const controller = new AbortController()
      let writes = 0
      const onWrite = () => (writes++, controller.abort())
      await expect(traceToOnnx({ ...spec, path, externalDataThresholdBytes: 4096, signal: controller.signal, onWrite })).rejects.toMatchObject({ name: 'AbortError' })
      expect(writes).toBe(1) // the next write call saw the signal
    }
    await stopped(join(dir, 'toy-cancelled.onnx'))
    expect(readdirSync(dir).filter((f) => f.startsWith('toy-cancelled'))).toEqual([])
    const earlier = readFileSync(join(dir, 'toy.onnx'))
    await stopped(join(dir, 'toy.onnx'))
    expect(readdirSync(dir).filter((f) => f.startsWith('toy.onnx'))).toEqual(['toy.onnx'])
    expect(readFileSync(join(dir, 'toy.onnx')).equals(earlier)).toBe(true)
    await expect(traceToOnnx({ ...spec, path: join(dir, 'never.onnx'), signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    expect(existsSync(join(dir, 'never.onnx'))).toBe(false)
  })

  it('names initializers by PyTorch key; linear weights are stored transposed as <key>.T', () => {
    const model = traceModel(spec)
    const byName = new Map(model.graph.initializers.map((t) => [t.name, t]))
    expect(byName.get('blocks.0.norm.scale')?.dims).toEqual([D])
    expect(byName.get('blocks.1.qkv.bias')?.dims).toEqual([3 * D])
    expect(byName.has('blocks.0.mlp.0.weight')).toBe(false)
    const fc1T = byName.get('blocks.0.mlp.0.weight.T')!
    expect(fc1T.dims).toEqual([D, 4 * D])
    const w = seededWeights({ name: 'blocks.0.mlp.0.weight', shape: [4 * D, D] })
    const wT = typeof fc1T.data === 'function' ? fc1T.data() : fc1T.data
    expect(wT[3 * 4 * D + 7]).toBe(w[7 * D + 3]) // wᵀ[3, 7] = w[7, 3]
    expect(model.graph.nodes.filter((n) => n.opType === 'Transpose' && n.inputs[0].startsWith('blocks.'))).toHaveLength(0)
  })

  it('rejects a build whose outputs do not match outputNames', () => {
    expect(() => traceModel({ ...spec, outputNames: ['y', 'z'] })).toThrow(/1 outputs, outputNames lists 2/)
  })
})
