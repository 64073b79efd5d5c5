// The one inference interface on both executions, on the golden tiny-a checkpoint: OrtModel and TfModel give the same
// decoder call and the same sampler run (trajectory, per-step callback, NFE), and both stop on a cancel signal.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import type { InferenceModel } from '../../../src/trainer/inference/inference-model'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { initialNoiseBatch } from '../../../src/trainer/sample/noise'

const set = join(goldenDir(), 'tiny-a')
const src = { checkpoint: join(set, 'weights.safetensors'), config: join(set, 'config.json') }
const work = mkdtempSync(join(tmpdir(), 'flowmo-inference-model-'))
let models: [string, InferenceModel][]

beforeAll(async () => {
  await initBackend()
  models = [['onnxruntime', await OrtModel.open(src, { device: 'cpu', cacheDir: work })], ['tfjs', await TfModel.open(src)]]
})
afterAll(async () => {
  for (const [, m] of models) await m.dispose()
  rmSync(work, { recursive: true, force: true })
})

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0)

describe('InferenceModel', () => {
  it('velocity and sample agree across onnxruntime and tfjs; onStep sees every step', async () => {
    const { config } = models[0][1]
    const S = config.imageSize
    const x = Float32Array.from({ length: 2 * 3 * S * S }, (_, i) => Math.sin(0.37 * i) * 0.9)
    const z0 = initialNoiseBatch(5, 0, 2, S)
    const runs = await Promise.all(models.map(async ([, m]) => {
      const { code } = await m.encode(x, 2)
      const steps: number[] = []
      const res = await m.sample(code, z0, 2, { keepTrajectory: true, sampling: { steps: 3 }, onStep: (i) => steps.push(i) })
      const codeIn = (models[0][1] as OrtModel).codeInput(code, 2) // [B, L, C+1], the same feed for both
      const v = await m.velocity({ data: z0, shape: [2, 3, S, S] }, codeIn, Float32Array.of(0.3, 0.8))
      return { code, res, steps, v }
    }))
    const [ort, tfjs] = runs
    expect(ort.code).toEqual(tfjs.code)
    expect(ort.steps).toEqual([1, 2, 3])
    expect(tfjs.steps).toEqual([1, 2, 3])
    expect([ort.res.nfe, ort.res.trajectory.length]).toEqual([tfjs.res.nfe, 3])
    expect(ort.res.trajectory[2].data).toEqual(ort.res.final.data)
    expect(tfjs.res.trajectory[2].data).toEqual(tfjs.res.final.data)
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(ort.res.trajectory[i].data, tfjs.res.trajectory[i].data)).toBeLessThanOrEqual(1e-5)
    expect(ort.v.shape).toEqual([2, 3, S, S])
    expect(maxAbsDiff(ort.v.data, tfjs.v.data)).toBeLessThanOrEqual(1e-5)
  })

  it.each([
    ['unguided', 1],
    ['guided', 2],
  ] as const)('keeps x̂₀ = z_t − t·v̂ at every step, v̂ recomputed by direct decoder calls (%s)', async (_, cfg) => {
    for (const [path, m] of models) {
      const S = m.config.imageSize
      const x = Float32Array.from({ length: 3 * S * S }, (_, i) => Math.cos(0.21 * i) * 0.8)
      const z0 = initialNoiseBatch(9, 0, 1, S)
      const { code } = await m.encode(x, 1)
      const res = await m.sample(code, z0, 1, { keepTrajectory: true, sampling: { steps: 3, cfg, cfgInterval: null } })
      expect([path, res.predicted.length]).toEqual([path, 3])
      const codeIn = (models[0][1] as OrtModel).codeInput(code, 1)
      const nullCode = { data: new Float32Array(codeIn.data.length), shape: codeIn.shape }
      for (let i = 0; i < 3; i++) {
        const z = i === 0 ? { data: z0, shape: [1, 3, S, S] } : res.trajectory[i - 1]
        const t = res.ts[i]
        const vc = await m.velocity(z, codeIn, t)
        const vu = cfg === 1 ? vc : await m.velocity(z, nullCode, t)
        const v = vc.data.map((c, k) => vu.data[k] + cfg * (c - vu.data[k])) // v_u + cfg·(v_c − v_u)
        const expected = z.data.map((zk, k) => zk - t * v[k])
        expect([path, i, maxAbsDiff(res.predicted[i].data, expected)]).toEqual([path, i, expect.closeTo(0, 5)])
      }
      // x̂₀ is not z_t: at t = 1 it is the decoder's whole guess, far from the noise
      expect(maxAbsDiff(res.predicted[0].data, z0)).toBeGreaterThan(0.5)
    }
  })

  it('stops on a cancel signal on both paths', async () => {
    for (const [, m] of models) {
      const S = m.config.imageSize
      const controller = new AbortController()
      const code = new Float32Array(m.config.codeLength * m.config.contextDim).fill(1)
      const run = m.sample(code, initialNoiseBatch(0, 0, 1, S), 1, { signal: controller.signal, onStep: (i) => i === 1 && controller.abort(new Error('cancelled')) })
      await expect(run).rejects.toThrow('cancelled')
    }
  })
})
