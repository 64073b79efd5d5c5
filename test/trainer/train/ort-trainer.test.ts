// The onnxruntime training engine behind the Trainer surface: same draws and same maths as the tfjs Trainer, so both
// engines walk the same path; sync() hands the weights and Adam moments back for validation and checkpoints. With a
// perceptual loss (the proxy, LPIPS-VGG on small seeded weights) the step graph's perceptual term equals tfjs's too.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap } from '../../../src/trainer/model/weights'
import { withQuantizer } from '../../../src/trainer/model/config-variants'
import { OrtTrainer } from '../../../src/trainer/train/ort-trainer'
import { StepRandom, drawFlow, noiseSyncSpec } from '../../../src/trainer/train/step-random'
import { NonFiniteLossError, Trainer, type TrainerConfig } from '../../../src/trainer/train/trainer'
import type { FlowMoConfig } from '../../../src/trainer/model/configs'
import type { PerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { ProxyPerceptualLoss } from '../../../src/trainer/losses/perceptual-nets'
import { loadProxyMobileNetV2 } from '../../../src/trainer/nets/mobilenet-v2-proxy'
import { tinyLpipsLoss } from '../../fixtures/nets/tiny-losses'
import { baseTrainer, smoothImages, tinyConfig } from './tiny'

beforeAll(async () => {
  await initBackend()
})

/** Three tfjs Trainer steps and three OrtTrainer steps from the same weights and draws agree: losses within 1e-4
 * (relative for the flow and perceptual losses), every weight within 1e-4·max|w|. */
async function expectSameSteps(config: FlowMoConfig, cfg: TrainerConfig, perceptual: PerceptualLoss | null = null): Promise<void> {
  const model = new FlowMo(config)
  const x = smoothImages(4, config.imageSize)
  const [wa, wb] = [initWeights(model, 5), initWeights(model, 5)]
  const tfjs = new Trainer(model, wa, cfg, perceptual, 0)
  const ort = new OrtTrainer(model, wb, cfg, perceptual, 0)
  for (let i = 0; i < 3; i++) {
    const [a, b] = [await tfjs.trainStep(x, 4), await ort.trainStep(x, 4)]
    expect(Math.abs(a.flow_loss - b.flow_loss)).toBeLessThan(1e-4 * Math.abs(a.flow_loss))
    expect(Math.abs(a.quantizer_loss - b.quantizer_loss)).toBeLessThan(1e-4)
    expect(Math.abs(a.perceptual_loss - b.perceptual_loss)).toBeLessThanOrEqual(1e-4 * Math.abs(a.perceptual_loss))
    if (perceptual && cfg.mseEncoderSteps === null) expect(b.perceptual_loss).toBeGreaterThan(0)
    expect(Math.abs(a.total_loss - b.total_loss)).toBeLessThan(1e-4 * Math.abs(a.total_loss))
  }
  ort.sync()
  let maxDiff = 0
  let maxW = 0
  for (const [name, v] of wa) {
    const [p, q] = [v.dataSync(), wb.get(name)!.dataSync()]
    for (let i = 0; i < p.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(p[i] - q[i]))
      maxW = Math.max(maxW, Math.abs(p[i]))
    }
  }
  expect(maxDiff).toBeLessThan(1e-4 * maxW)
  const { m, step } = await ort.adam.moments()
  expect(step).toBe(cfg.mseEncoderSteps === null ? 3 : 3 - cfg.mseEncoderSteps) // the freeze after the MSE phase starts fresh moments
  expect(m.size).toBeGreaterThan(0)
  tfjs.dispose()
  await ort.dispose()
  disposeWeightMap(wa)
  disposeWeightMap(wb)
}

describe('OrtTrainer', () => {
  const engines = [
    ['lfq', tinyConfig(), baseTrainer],
    ['fsq', withQuantizer(tinyConfig(), { kind: 'fsq', levels: [8, 5, 4] }), baseTrainer],
    ['continuous with noise sync', withQuantizer(tinyConfig(), { kind: 'continuous', noiseSync: 0.5 }), baseTrainer],
    ['an MSE-trained encoder', tinyConfig(), { ...baseTrainer, mseEncoderSteps: 2 }],
  ] as const
  it.each(engines)('takes the same steps as the tfjs Trainer (losses and weights): %s', async (_, config, cfg) => {
    await expectSameSteps(config, cfg)
  })

  it('noise-syncs some of the continuous test samples and not others (both graph paths run)', () => {
    const config = engines[2][1]
    const masks = [0, 1, 2].flatMap((step) => [...drawFlow(new StepRandom(baseTrainer.seed, step, 0), 4, 16, 'fat_lognormal', 0.1, noiseSyncSpec(config)).sync!.mask])
    expect(masks).toContain(0)
    expect(masks).toContain(1)
  })

  it('refuses what its graph does not do, naming it', () => {
    const model = new FlowMo(tinyConfig())
    const w = initWeights(model, 1)
    expect(() => new OrtTrainer(model, w, { ...baseTrainer, stage: '1b' }, null, 0)).toThrow(/does not support Stage 1B.*--engine tfjs/)
    expect(() => new OrtTrainer(model, w, { ...baseTrainer, gradAccumulation: 2 }, null, 0)).toThrow(/gradient accumulation/)
    disposeWeightMap(w)
  })

  it('stops on a non-finite loss, naming the step', async () => {
    const model = new FlowMo(tinyConfig())
    const w = initWeights(model, 2)
    const ort = new OrtTrainer(model, w, baseTrainer, null, 0)
    await ort.trainStep(smoothImages(2, 16), 2)
    await expect(ort.trainStep(smoothImages(2, 16).fill(NaN), 2)).rejects.toThrow(/step 2: flow_loss is NaN/) // NaN pixels
    await ort.dispose()
    disposeWeightMap(w)
  })
})

describe('OrtTrainer encoder freeze', () => {
  it('trains only the decoder from the freeze step, with fresh moments', async () => {
    const model = new FlowMo(tinyConfig())
    const w = initWeights(model, 4)
    const ort = new OrtTrainer(model, w, { ...baseTrainer, freezeEncoderAfter: 1 }, null, 0)
    const x = smoothImages(2, 16)
    await ort.trainStep(x, 2)
    ort.sync()
    const before = new Map([...w].map(([n, v]) => [n, Float32Array.from(v.dataSync())]))
    await ort.trainStep(x, 2)
    ort.sync()
    const changed = (prefix: string) => [...w].filter(([n]) => n.startsWith(prefix)).some(([n, v]) => v.dataSync().some((a, i) => a !== before.get(n)![i]))
    expect(changed('encoder.')).toBe(false)
    expect(changed('decoder.')).toBe(true)
    expect(ort.adam.groups.map((g) => g.name)).toEqual(['decoder'])
    expect((await ort.adam.moments()).step).toBe(1)
    await ort.dispose()
    disposeWeightMap(w)
  })
})

describe('OrtTrainer with the perceptual term (λ 0.1 on x̂ = x_t − t·v̂, in the step graph)', () => {
  const config32 = tinyConfig({ imageSize: 32 }) // the proxy's stride-32 tap needs 32 px
  const cfg = { ...baseTrainer, perceptualWeight: 0.1 }
  it('the MobileNetV2 proxy: the same steps as the tfjs Trainer', async () => {
    const proxy = new ProxyPerceptualLoss(await loadProxyMobileNetV2())
    await expectSameSteps(config32, cfg, proxy)
    proxy.dispose()
  })

  it('LPIPS-VGG on small seeded weights: the same steps as the tfjs Trainer', async () => {
    const lpips = await tinyLpipsLoss()
    await expectSameSteps(config32, cfg, lpips)
    lpips.dispose()
  })

  it('an MSE-trained encoder: no perceptual term in the regression phase, then the same steps as tfjs', async () => {
    const proxy = new ProxyPerceptualLoss(await loadProxyMobileNetV2())
    await expectSameSteps(config32, { ...cfg, mseEncoderSteps: 1 }, proxy)
    proxy.dispose()
  })
})
