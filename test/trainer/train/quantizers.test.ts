// The three quantisers end to end on a tiny model: a short run per quantiser records it in the checkpoint, the
// checkpoint reopens with it (codes are ±1 bits, FSQ levels, or a LayerNormed latent), evaluate() scores it, and its
// ONNX export gives the tfjs code.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { evaluate } from '../../../src/trainer/eval/evaluate'
import { exportFlowMo } from '../../../src/trainer/export/flowmo-export'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { withQuantizer } from '../../../src/trainer/model/config-variants'
import { codeSize } from '../../../src/trainer/model/quantizer'
import type { QuantizerKind } from '../../../src/trainer/model/configs'
import { loadCheckpoint } from '../../../src/trainer/train/checkpointing'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { TrainingRun } from '../../../src/trainer/train/run'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'
import { smoothImages } from './tiny'

let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture(4)
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

describe.each(['lfq', 'fsq', 'continuous'] as QuantizerKind[])('quantizer %s', (kind) => {
  it('trains, checkpoints, reopens, evaluates and exports', async () => {
    const out = join(f.root, kind)
    const base = tinyRunOptions(f, out)
    const config = withQuantizer(base.config, { kind, noiseSync: 0.5 })
    const summary = await new TrainingRun({ ...base, config, maxSteps: 2, checkpointEvery: 2 }).start()
    expect(summary.status).toBe('finished')
    const saved = await loadCheckpoint(new RunDir(out).checkpointFiles(2))
    expect(saved.config.quantizer).toEqual(config.quantizer)

    const model = await TfModel.open({ checkpoint: summary.lastCheckpoint! })
    const { codeLength: L, contextDim: C } = model.config
    expect(model.info.bitsPerPixel).toBe(codeSize(config).bitsPerPixel)
    const { codePre, code } = await model.encode(smoothImages(2, 16), 2)
    if (kind === 'lfq') code.forEach((v) => expect(Math.abs(v)).toBe(1))
    if (kind === 'fsq') code.forEach((v) => expect(Number.isInteger(v * 4) && v >= -1 && v <= 0.75).toBe(true)) // 8 levels: k/4, k = −4…3
    if (kind === 'continuous') {
      expect(code).toEqual(codePre)
      for (let row = 0; row < 2 * L; row++) {
        const v = code.subarray(row * C, (row + 1) * C)
        const mean = v.reduce((a, x) => a + x, 0) / C
        expect(Math.abs(mean)).toBeLessThan(1e-4) // LayerNorm: zero mean, unit variance per token
        expect(v.reduce((a, x) => a + (x - mean) ** 2, 0) / C).toBeCloseTo(1, 3)
      }
    }

    const report = (await evaluate({
      source: { checkpoint: summary.lastCheckpoint!, stateDict: 'raw' }, dataDir: f.data, n: 2, sampling: { steps: 2 }, seed: 0,
      metrics: ['psnr'], psnr: 'per-image', quantise: 'truncate', ssim: 'skimage-default-7x7', batchSize: 2, path: 'tfjs', statsCacheDir: null,
    })).report!
    expect(Number.isFinite(report.metrics.psnr)).toBe(true)
    expect(report.codes).toMatchObject({ quantizer: kind, bitsPerPixel: codeSize(config).bitsPerPixel })

    const exported = join(out, 'onnx')
    const manifest = await exportFlowMo({ checkpoint: summary.lastCheckpoint!, stateDict: 'raw' }, exported)
    expect(manifest.config.quantizer).toEqual(config.quantizer)
    const ort = await OrtModel.load(exported)
    try {
      const onnx = await ort.encode(smoothImages(2, 16), 2)
      const raw = await TfModel.open({ checkpoint: summary.lastCheckpoint!, stateDict: 'raw' })
      const tf = await raw.encode(smoothImages(2, 16), 2)
      raw.dispose()
      onnx.codePre.forEach((v, i) => expect(Math.abs(v - tf.codePre[i])).toBeLessThan(1e-4))
      const differing = onnx.code.filter((v, i) => Math.abs(v - tf.code[i]) > 1e-4).length
      expect(differing).toBeLessThanOrEqual(kind === 'continuous' ? 0 : 1) // a value on a rounding boundary may flip
    } finally {
      await ort.dispose()
      model.dispose()
    }
  })
})
