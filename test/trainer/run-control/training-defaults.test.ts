// trainingDefaults (run-control/training-defaults.ts) against the tables it reads: configs.ts presets, defaultRunOptions,
// the weight files, and OrtTrainer's refusals — through TrainerService too, as the UI calls it.
import { describe, expect, it } from 'vitest'
import type { TrainerEvents } from '../../../src/shared/protocol'
import { trainerSchemas } from '../../../src/shared/protocol'
import { PRESETS, preset } from '../../../src/trainer/model/configs'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { CPU_PARAMETER_LIMIT, trainingDefaults } from '../../../src/trainer/run-control/training-defaults'
import { TrainerService } from '../../../src/trainer/service'
import { OrtTrainer } from '../../../src/trainer/train/ort-trainer'
import { defaultRunOptions } from '../../../src/trainer/train/run-options'
import type { TrainerConfig } from '../../../src/trainer/train/trainer'

const d = trainingDefaults()
const byName = (name: string) => d.presets.find((p) => p.name === name)!

describe('trainingDefaults', () => {
  it('lists every preset of configs.ts, CPU-sized ones first, with its sizes and bits per pixel', () => {
    expect(d.presets.map((p) => p.name).sort()).toEqual(Object.keys(PRESETS).sort())
    const firstGpu = d.presets.findIndex((p) => p.gpuScale)
    expect(d.presets.slice(firstGpu).every((p) => p.gpuScale)).toBe(true)
    expect(byName('tiny-64')).toMatchObject({ imageSize: 64, patchSize: 8, tokens: 64, bits: 12, bitsPerPixel: 0.1875, gpuScale: false, note: null })
    expect(byName('tiny-64').encoder).toEqual({ width: 256, depth: 2 })
    expect(byName('tiny-64').decoder).toEqual({ width: 256, depth: 4 })
    for (const p of d.presets) {
      const c = preset(p.name)
      expect(p.bitsPerPixel).toBe((c.codeLength * c.contextDim) / c.imageSize ** 2)
      expect(p.decoder.width).toBe(c.decoder.hiddenSize)
    }
    expect(byName('flowmo-lo').bitsPerPixel).toBeCloseTo(0.0703, 4) // the paper's FlowMo-Lo
    expect(byName('flowmo-hi').bitsPerPixel).toBeCloseTo(0.219, 3)
  })

  it('counts parameters from the model declared by the config, and marks the reference sizes GPU-scale', () => {
    for (const p of d.presets) {
      const declared = new FlowMo(preset(p.name)).parameters().map((r) => r.shape.reduce((a, b) => a * b, 1))
      expect(p.parameters).toBe(declared.reduce((a, b) => a + b, 0))
      expect(p.gpuScale).toBe(p.parameters > CPU_PARAMETER_LIMIT)
    }
    expect(byName('tiny-64').parameters).toBeGreaterThan(15.1e6) // docs/training.md: 15.2 M
    expect(byName('tiny-64').parameters).toBeLessThan(15.3e6)
    for (const name of ['flowmo-lo', 'flowmo-hi']) expect(byName(name).note).toMatch(/^GPU-scale: 9\d\d M parameters/)
    expect(byName('small-128').gpuScale).toBe(false)
  })

  it('gives defaultRunOptions of each stage for the fields the form shows', () => {
    for (const stage of ['1a', '1b'] as const) {
      const { maxSteps, batchSize, lr, logEvery, sampleEvery, valEvery, checkpointEvery, keepLast, keepEvery, perceptual, perceptualWeight, engine } = defaultRunOptions(stage)
      expect(d.defaults[stage]).toEqual({ maxSteps, batchSize, lr, logEvery, sampleEvery, valEvery, checkpointEvery, keepLast, keepEvery, perceptual, perceptualWeight, engine })
    }
    expect(d.defaults['1a'].lr).not.toBe(d.defaults['1b'].lr)
  })

  it('names the perceptual kinds the run request takes and the weight files the real networks need', () => {
    expect(d.perceptuals.map((p) => p.kind).sort()).toEqual(['lpips-vgg', 'none', 'proxy', 'resnet50'])
    const needs = Object.fromEntries(d.perceptuals.map((p) => [p.kind, p.weightFiles]))
    expect(needs).toMatchObject({ none: [], proxy: [], resnet50: [weightFiles.resnet50.fileName] })
    expect(needs['lpips-vgg']).toEqual([weightFiles.vgg16.fileName, weightFiles.lpipsVgg.fileName])
    const check = trainerSchemas.startRun.check
    for (const p of d.perceptuals) expect(check({ data: '/d', out: '/o', perceptual: p.kind }, 'req')).toBeNull()
  })

  it("declares that onnxruntime trains every stage and term, and OrtTrainer takes them all", () => {
    const ort = d.engines.find((e) => e.name === 'onnxruntime')!
    expect(ort).toMatchObject({ stages: ['1a', '1b'], perceptual: ['1a', '1b'], gradAccumulation: true })
    expect(d.engines.find((e) => e.name === 'tfjs')).toMatchObject({ stages: ['1a', '1b'], perceptual: ['1a', '1b'], gradAccumulation: true })
    const model = new FlowMo(preset('tiny-64'))
    const base: TrainerConfig = { ...defaultRunOptions('1a'), perceptualWeight: 0 }
    const make = (cfg: Partial<TrainerConfig>) => () => new OrtTrainer(model, new Map(), { ...base, ...cfg }, null, 0)
    expect(make({})).not.toThrow()
    expect(make({ stage: '1b', perceptualWeight: 0.01 })).not.toThrow()
    expect(make({ gradAccumulation: 2 })).not.toThrow()
    expect(make({ perceptualWeight: 0.1 })).not.toThrow()
  })

  it('is served by TrainerService.trainingDefaults with no request body', async () => {
    const emit = <K extends keyof TrainerEvents>(_name: K, _payload: TrainerEvents[K]) => undefined
    expect(await new TrainerService(emit).trainingDefaults()).toEqual(d)
    expect(trainerSchemas.trainingDefaults.check(undefined, 'req')).toBeNull()
    expect(trainerSchemas.trainingDefaults.check({ x: 1 }, 'req')).not.toBeNull()
  })
})
