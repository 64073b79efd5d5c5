// WeightFedModel on a golden set: fed the checkpoint's weights, its graphs are the exported model's (OrtModel on
// `flowmo export`'s files): bit for bit once the export's session does not prepack its constant weights, which the fed
// graph's weight inputs cannot be, and within float rounding of the default export; fed other weights, the same
// sessions follow them (TfModel over those weights, within OrtModel's tolerance against TfModel).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { exportFlowMo } from '../../../src/trainer/export/flowmo-export'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { WeightFedModel } from '../../../src/trainer/inference/weight-fed-model'
import { disposeWeightMap, type WeightMap } from '../../../src/trainer/model/weights'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { maxAbsDiff } from '../export/traced-run'

const set = findGoldenSets(goldenDir())[0]
const src = { checkpoint: join(set, 'weights.safetensors'), config: join(set, 'config.json') }
const work = mkdtempSync(join(tmpdir(), 'flowmo-weight-fed-'))
let exported: OrtModel
let unpacked: OrtModel // the export without MLAS's prepacked weights, as the fed graph runs its MatMuls
let tfm: TfModel
let fed: WeightFedModel

beforeAll(async () => {
  await initBackend()
  await exportFlowMo(src, join(work, 'export'))
  exported = await OrtModel.load(join(work, 'export'))
  unpacked = await OrtModel.load(join(work, 'export'), { tuning: { extra: { session: { disable_prepacking: '1' } } } })
  tfm = await TfModel.open(src)
  fed = await WeightFedModel.open(tfm.model, tfm.info)
})
afterAll(async () => {
  await Promise.all([exported.dispose(), unpacked.dispose(), fed.release()])
  tfm.dispose()
  rmSync(work, { recursive: true, force: true })
})

const images = (n: number, S: number) => Float32Array.from({ length: n * 3 * S * S }, (_, i) => Math.sin(0.37 * i) * 0.9)

describe('WeightFedModel', () => {
  it('refuses to run before weights are fed', async () => {
    await expect(fed.model.encode(images(1, tfm.config.imageSize), 1)).rejects.toThrow('weight-fed graph run before any weights were fed')
  })

  it('fed the checkpoint\'s weights, encodes and reconstructs as the exported model', async () => {
    await fed.feed(tfm.weights)
    const x = images(3, tfm.config.imageSize)
    const enc = await fed.model.encode(x, 3)
    const rec = await fed.model.reconstruct(x, 3, { seed: 5 })
    expect(enc).toEqual(await unpacked.encode(x, 3)) // the same graph and kernels
    expect(rec).toEqual(await unpacked.reconstruct(x, 3, { seed: 5 }))
    const packed = await exported.reconstruct(x, 3, { seed: 5 })
    expect(maxAbsDiff(enc.codePre, (await exported.encode(x, 3)).codePre)).toBeLessThanOrEqual(2e-6) // measured 7.7e-7
    expect(maxAbsDiff(rec.images, packed.images)).toBeLessThanOrEqual(2e-6) // measured 4.8e-7
    expect(rec.code).toEqual(packed.code)
    expect(fed.device).toBe('cpu')
  })

  it('follows newly fed weights without reopening: TfModel over them', async () => {
    const x = images(2, tfm.config.imageSize)
    const before = await fed.model.reconstruct(x, 2, { seed: 1 })
    const moved: WeightMap = new Map([...tfm.weights].map(([k, v]) => [k, tf.variable(tf.tidy(() => tf.add(tf.mul(v, 0.9), 0.01)))]))
    await fed.feed(moved)
    const [a, b] = [await fed.model.reconstruct(x, 2, { seed: 1 }), await TfModel.borrow(tfm.model, moved, { ...tfm.info }).reconstruct(x, 2, { seed: 1 })]
    expect(maxAbsDiff(a.images, b.images)).toBeLessThanOrEqual(1e-5)
    expect(maxAbsDiff(a.images, before.images)).toBeGreaterThan(1e-2)
    disposeWeightMap(moved)
  })
})
