// OrtModel on a golden checkpoint: reconstruct equals TfModel's (same code, same seeded noise, images within fp32
// noise), the batch is dynamic and batch-independent, sampler options apply, and the CUDA request falls back clearly.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { exportFlowMo } from '../../../src/trainer/export/flowmo-export'
import { floatSampleOps, OrtModel } from '../../../src/trainer/inference/ort-model'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { maxAbsDiff } from '../export/traced-run'

const set = findGoldenSets(goldenDir())[0]
const src = { checkpoint: join(set, 'weights.safetensors'), config: join(set, 'config.json') }
const work = mkdtempSync(join(tmpdir(), 'flowmo-ort-model-'))
let ort: OrtModel
let tfm: TfModel

beforeAll(async () => {
  await initBackend()
  await exportFlowMo(src, work)
  ort = await OrtModel.load(work)
  tfm = await TfModel.open(src)
})
afterAll(async () => {
  await ort.dispose()
  tfm.dispose()
  rmSync(work, { recursive: true, force: true })
})

const images = (n: number, S: number) => Float32Array.from({ length: n * 3 * S * S }, (_, i) => Math.sin(0.37 * i) * 0.9)

describe('OrtModel', () => {
  it('reconstructs as TfModel does: identical code, images within 1e-5', async () => {
    const x = images(3, ort.config.imageSize)
    const [a, b] = [await ort.reconstruct(x, 3, { seed: 7 }), await tfm.reconstruct(x, 3, { seed: 7 })]
    expect(a.code).toEqual(b.code)
    expect(a.nfe).toBe(b.nfe)
    expect(maxAbsDiff(a.images, b.images)).toBeLessThanOrEqual(1e-5)
    expect(ort.info).toMatchObject({ parameters: tfm.info.parameters, bitsPerPixel: tfm.info.bitsPerPixel })
  })

  it('gives each image the same result whatever its batch or position (noise keyed by the image)', async () => {
    const S = ort.config.imageSize
    const x = images(2, S)
    const both = await ort.reconstruct(x, 2, { seed: 3 })
    const second = await ort.reconstruct(x.subarray(3 * S * S), 1, { seed: 3 })
    expect(maxAbsDiff(both.images.subarray(3 * S * S), second.images)).toBeLessThanOrEqual(1e-6)
    const byIndex = await ort.reconstruct(x.subarray(3 * S * S), 1, { seed: 3, noise: 'index', firstIndex: 1 })
    const byIndexBoth = await ort.reconstruct(x, 2, { seed: 3, noise: 'index' })
    expect(maxAbsDiff(byIndexBoth.images.subarray(3 * S * S), byIndex.images)).toBeLessThanOrEqual(1e-6)
    expect(maxAbsDiff(byIndex.images, second.images)).toBeGreaterThan(1e-3)
  })

  it('applies sampler overrides: cfg 1 makes no null-code calls', async () => {
    const S = ort.config.imageSize
    const { code } = await ort.encode(images(1, S), 1)
    const z0 = images(1, S).map((v) => v * 2)
    const steps = 4
    const guided = await ort.sample(code, z0, 1, { sampling: { steps, cfg: 3, cfgInterval: null } })
    const plain = await ort.sample(code, z0, 1, { sampling: { steps, cfg: 1 } })
    expect([guided.nfe, plain.nfe]).toEqual([2 * steps, steps])
    expect(maxAbsDiff(guided.final.data, plain.final.data)).toBeGreaterThan(1e-3)
  })

  it('asks for CUDA and, where this build has none, says so once and runs on CPU', async () => {
    const notices: string[] = []
    const m = await OrtModel.load(work, { device: 'cuda', onNotice: (s) => notices.push(s) })
    if (m.device === 'cpu') expect(notices).toEqual([expect.stringMatching(/CUDA.*running on CPU/)])
    expect((await m.encode(images(1, m.config.imageSize), 1)).code.length).toBe(m.config.codeLength * m.config.contextDim)
    await m.dispose()
  })
})

describe('floatSampleOps', () => {
  it('rounds like float32 arithmetic and rejects mismatched shapes', () => {
    const a = { data: Float32Array.of(1, 1e-8), shape: [2] }
    expect([...floatSampleOps.scale(a, 0.1).data]).toEqual([Math.fround(0.1), Math.fround(Math.fround(1e-8) * Math.fround(0.1))])
    expect([...floatSampleOps.add(a, a).data]).toEqual([2, Math.fround(2e-8)])
    expect(() => floatSampleOps.sub(a, { data: new Float32Array(3), shape: [3] })).toThrow(/differ in shape/)
  })
})
