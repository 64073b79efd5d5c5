// The FlowMo encoder and decoder (model/flowmo.ts) exported with traceToOnnx on a tiny config: onnxruntime
// outputs match the eager tfjs execution (TfOps) of the same forward at batch 1 and 2.
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConfig } from '../../../src/trainer/model/configs'
import { codeInput, FlowMo } from '../../../src/trainer/model/flowmo'
import { numel } from '../../../src/trainer/model/params'
import { TfOps } from '../../../src/trainer/model/tf-ops'
import { OrtRunner } from '../../../src/trainer/export/ort-runner'
import { traceToOnnx } from '../../../src/trainer/export/to-onnx'
import { maxAbsDiff, randn, seededWeights } from './traced-run'

const config = buildConfig({
  name: 'export-test', imageSize: 16, patchSize: 4, codeLength: 4, contextDim: 6, codebookSizeForEntropy: 3,
  encoder: { hiddenSize: 32, numHeads: 2, axesDim: [4, 6, 6], depth: 1 },
  decoder: { hiddenSize: 32, numHeads: 2, axesDim: [4, 6, 6], depth: 2 },
})
const model = new FlowMo(config)
const { imageSize: S, codeLength: L, contextDim: C } = config
const dir = mkdtempSync(join(tmpdir(), 'flowmo-export-'))

beforeAll(async () => {
  await tf.setBackend('cpu')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The tfjs result of `forward` on the model's seeded weights. */
function tfRun(forward: (o: TfOps, ...xs: tf.Tensor[]) => tf.Tensor, inputs: { data: Float32Array; shape: number[] }[]): Float32Array {
  return tf.tidy(() => {
    const weights = new Map(model.parameters().map((ref) => [ref.name, tf.tensor(seededWeights(ref), [...ref.shape])]))
    const o = new TfOps(weights)
    return forward(o, ...inputs.map((t) => tf.tensor(t.data, t.shape))).dataSync() as Float32Array // sync point (test)
  })
}

const input = (shape: number[], seed: number) => ({ data: randn(numel(shape), seed), shape })

describe('FlowMo export', () => {
  it('encoder: x [B, 3, S, S] → code_pre [B, L, C]', async () => {
    const path = join(dir, 'encoder.onnx')
    await traceToOnnx({
      inputs: [{ name: 'x', shape: [-1, 3, S, S] }],
      build: (o, x) => model.encode(o, x),
      outputNames: ['code_pre'],
      weights: seededWeights,
      path,
    })
    const runner = await OrtRunner.load(path, { intraOpNumThreads: 1 })
    for (const B of [1, 2]) {
      const x = input([B, 3, S, S], B)
      const { code_pre } = await runner.run({ x })
      expect(code_pre.shape).toEqual([B, L, C])
      expect(maxAbsDiff(code_pre.data, tfRun((o, t) => model.encode(o, t), [x]))).toBeLessThanOrEqual(5e-5)
    }
    await runner.release()
  })

  it('decoder: x_t [B, 3, S, S], code_in [B, L, C+1], t [B] → v [B, 3, S, S]', async () => {
    const path = join(dir, 'decoder.onnx')
    await traceToOnnx({
      inputs: [{ name: 'x_t', shape: [-1, 3, S, S] }, { name: 'code_in', shape: [-1, L, C + 1] }, { name: 't', shape: [-1] }],
      build: (o, xt, codeIn, t) => model.decode(o, xt, codeIn, t),
      outputNames: ['v'],
      weights: seededWeights,
      path,
      externalDataThresholdBytes: 1 << 16, // exercise external data on a real graph
    })
    const runner = await OrtRunner.load(path, { intraOpNumThreads: 1 })
    for (const B of [1, 2]) {
      const feeds = { x_t: input([B, 3, S, S], 10 + B), code_in: input([B, L, C + 1], 20 + B), t: { data: Float32Array.from({ length: B }, (_, i) => 0.3 + 0.4 * i), shape: [B] } }
      const { v } = await runner.run(feeds)
      expect(v.shape).toEqual([B, 3, S, S])
      const expected = tfRun((o, xt, codeIn, t) => model.decode(o, xt, codeIn, t), [feeds.x_t, feeds.code_in, feeds.t])
      expect(maxAbsDiff(v.data, expected)).toBeLessThanOrEqual(5e-5)
    }
    await runner.release()
  })

  it('codeInput traces too: code [B, L, C] → [B, L, C+1] with the ones channel', async () => {
    const path = join(dir, 'code-input.onnx')
    await traceToOnnx({ inputs: [{ name: 'code', shape: [-1, L, C] }], build: (o, c) => codeInput(o, c), outputNames: ['code_in'], weights: seededWeights, path })
    const runner = await OrtRunner.load(path)
    const code = input([3, L, C], 5)
    const { code_in } = await runner.run({ code })
    expect(code_in.shape).toEqual([3, L, C + 1])
    expect(maxAbsDiff(code_in.data, tfRun((o, c) => codeInput(o, c), [code]))).toBe(0)
    await runner.release()
  })
})
