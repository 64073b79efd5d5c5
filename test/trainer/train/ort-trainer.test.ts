// The onnxruntime training engine behind the Trainer surface: same draws and same maths as the tfjs Trainer, so both
// engines walk the same path; sync() hands the weights and Adam moments back for validation and checkpoints. Stage 1A's
// perceptual term (the proxy, LPIPS-VGG on small seeded weights) is traced into the step graph and equals tfjs's too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { initWeights } from '../../../src/trainer/model/init'
import { disposeWeightMap, type WeightMap } from '../../../src/trainer/model/weights'
import { createPerceptualLoss, type PerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { withQuantizer } from '../../../src/trainer/model/config-variants'
import { OrtTrainer } from '../../../src/trainer/train/ort-trainer'
import { StepRandom, drawFlow, noiseSyncSpec } from '../../../src/trainer/train/step-random'
import { NonFiniteLossError, Trainer, type TrainerConfig } from '../../../src/trainer/train/trainer'
import type { FlowMoConfig } from '../../../src/trainer/model/configs'
import { tinyLpipsLoss } from '../../fixtures/nets/tiny-losses'
import { baseTrainer, smoothImages, tinyConfig } from './tiny'

beforeAll(async () => {
  await initBackend()
})

let proxy: PerceptualLoss // the offline perceptual proxy (bundled MobileNetV2): tfjs on one engine, its ONNX graph on the other
beforeAll(async () => {
  proxy = (await createPerceptualLoss('proxy', {}))!
})
afterAll(() => proxy.dispose())

/**
 * Three steps of the tfjs Trainer and of OrtTrainer from the same weights on the same batch of `batch` images: every
 * loss within 1e-4 (relative for the flow loss); the first step's gradients, as Adam's first moments, within
 * 1e-4·max|m|; the weights within 1e-4·max|w| after three steps, except with a perceptual network: its float32 noise
 * (MobileNetV2 on tfjs against onnxruntime) is ~1e-5 of the largest gradient, and Adam moves a weight by
 * lr·g/(|g| + 1e-8) whatever its gradient's size, so the near-zero gradients of zero-initialised gates that round
 * differently move differently (measured up to 1.3·lr after three steps); the moments and losses check those runs.
 * Returns the Adam step count and the last step's perceptual loss.
 */
async function sameSteps(config: FlowMoConfig, cfg: TrainerConfig, perceptual: PerceptualLoss | null, batch = 4): Promise<{ steps: number; perceptualLoss: number }> {
  const model = new FlowMo(config)
  const x = smoothImages(batch, config.imageSize)
  const [wa, wb] = [initWeights(model, 5), initWeights(model, 5)]
  const tfjs = new Trainer(model, wa, cfg, perceptual, 0)
  const ort = new OrtTrainer(model, wb, cfg, perceptual, 0)
  let perceptualLoss = 0
  for (let i = 0; i < 3; i++) {
    const [a, b] = [await tfjs.trainStep(x, batch), await ort.trainStep(x, batch)]
    perceptualLoss = b.perceptual_loss
    expect(Math.abs(a.flow_loss - b.flow_loss)).toBeLessThan(1e-4 * Math.abs(a.flow_loss))
    expect(Math.abs(a.quantizer_loss - b.quantizer_loss)).toBeLessThan(1e-4)
    expect(Math.abs(a.perceptual_loss - b.perceptual_loss)).toBeLessThanOrEqual(1e-4 * Math.abs(a.perceptual_loss))
    expect(Math.abs(a.total_loss - b.total_loss)).toBeLessThan(1e-4 * Math.abs(a.total_loss))
    if (i > 0) continue
    ort.sync()
    const [ma, mb] = [(await tfjs.adam.moments()).m, (await ort.adam.moments()).m]
    const unread = new Map([...ma].filter(([name]) => !mb.has(name))) // parameters outside the loss: the graph leaves them out
    expect(maxAbs(unread)).toBe(0)
    expect(mb.size).toBeGreaterThan(0)
    expect(maxDiff(mb, ma)).toBeLessThan(1e-4 * maxAbs(ma))
  }
  ort.sync()
  if (!perceptual) expect(maxWeightDiff(wa, wb)).toBeLessThan(1e-4 * maxWeight(wa))
  const { m, step } = await ort.adam.moments()
  expect(m.size).toBeGreaterThan(0)
  tfjs.dispose()
  await ort.dispose()
  disposeWeightMap(wa)
  disposeWeightMap(wb)
  return { steps: step, perceptualLoss }
}

const maxAbs = (m: Map<string, Float32Array>) => Math.max(0, ...[...m.values()].map((a) => Math.max(...Array.from(a, Math.abs))))
const maxDiff = (ma: Map<string, Float32Array>, mb: Map<string, Float32Array>) =>
  Math.max(...[...ma].map(([name, a]) => Math.max(...Array.from(a, (v, i) => Math.abs(v - mb.get(name)![i])))))
const maxWeight = (w: WeightMap) => Math.max(...[...w.values()].map((v) => Math.max(...Array.from(v.dataSync(), Math.abs))))
const maxWeightDiff = (wa: WeightMap, wb: WeightMap) =>
  Math.max(...[...wa].map(([name, v]) => {
    const [p, q] = [v.dataSync(), wb.get(name)!.dataSync()]
    return Math.max(...Array.from(p, (a, i) => Math.abs(a - q[i])))
  }))

describe('OrtTrainer', () => {
  const engines = [
    ['lfq', tinyConfig(), baseTrainer],
    ['fsq', withQuantizer(tinyConfig(), { kind: 'fsq', levels: [8, 5, 4] }), baseTrainer],
    ['continuous with noise sync', withQuantizer(tinyConfig(), { kind: 'continuous', noiseSync: 0.5 }), baseTrainer],
    ['an MSE-trained encoder', tinyConfig(), { ...baseTrainer, mseEncoderSteps: 2 }],
    ['2 gradient-accumulation chunks', tinyConfig(), { ...baseTrainer, gradAccumulation: 2 }],
  ] as const
  it.each(engines)('takes the same steps as the tfjs Trainer (losses and weights): %s', async (_, config, cfg) => {
    const { steps } = await sameSteps(config, cfg, null)
    expect(steps).toBe(cfg.mseEncoderSteps === null ? 3 : 1) // the freeze after the MSE phase starts fresh moments
  })

  // Stage 1B: the encoder frozen, λ_sample·proxy(x, chain sample) through k = 2 decoder calls on 32-px images (the
  // proxy's smallest); a large λ so that the chain's gradient moves the weights as much as the flow loss does
  const stage1b = { ...baseTrainer, stage: '1b', perceptualWeight: 0.5, chainSteps: 2 } as const
  it.each([
    ['Stage 1B through the chain', stage1b],
    ['Stage 1B with 2 gradient-accumulation chunks', { ...stage1b, gradAccumulation: 2 }],
  ] as const)('takes the same steps as the tfjs Trainer (losses and weights): %s', async (_, cfg) => {
    expect((await sameSteps(tinyConfig({ decoderDepth: 2, imageSize: 32 }), cfg, proxy)).steps).toBe(3)
  })

  it('noise-syncs some of the continuous test samples and not others (both graph paths run)', () => {
    const config = engines[2][1]
    const masks = [0, 1, 2].flatMap((step) => [...drawFlow(new StepRandom(baseTrainer.seed, step, 0), 4, 16, 'fat_lognormal', 0.1, noiseSyncSpec(config)).sync!.mask])
    expect(masks).toContain(0)
    expect(masks).toContain(1)
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

describe('OrtTrainer with the Stage-1A perceptual term (λ 0.1 on x̂ = x_t − t·v̂, in the step graph)', () => {
  const config32 = tinyConfig({ imageSize: 32 }) // the proxy's stride-32 tap needs 32 px
  const cfg = { ...baseTrainer, perceptualWeight: 0.1 }
  it.each([
    ['the MobileNetV2 proxy', () => proxy, cfg],
    ['LPIPS-VGG on small seeded weights', null, cfg],
    ['the proxy with 2 gradient-accumulation chunks', () => proxy, { ...cfg, gradAccumulation: 2 }],
  ] as const)('takes the same steps as the tfjs Trainer: %s', async (_, net, c) => {
    const perceptual = net ? net() : await tinyLpipsLoss()
    const { steps, perceptualLoss } = await sameSteps(config32, c, perceptual)
    expect([steps, perceptualLoss > 0]).toEqual([3, true])
    if (!net) perceptual.dispose()
  })

  it('an MSE-trained encoder: no perceptual term in the regression phase (as tfjs), then the same steps', async () => {
    const { steps, perceptualLoss } = await sameSteps(config32, { ...cfg, mseEncoderSteps: 1 }, proxy)
    expect([steps, perceptualLoss > 0]).toEqual([2, true])
  })
})
