// The compare form's request: methods and tokenizer folders, blank numbers taking the model's values, and one
// sentence for each thing that keeps it from running.
import { describe, expect, it } from 'vitest'
import type { ModelSummary } from '../../../../../src/shared/protocol'
import { compareRequest, emptyForm, type CompareForm } from '../../../../../src/renderer/src/components/compare/compare-request'

const model = { bitsPerPixel: 0.09375, imageSize: 32, sampling: { steps: 6, rho: 4, cfg: 1.5, interval: [0.17, 1.02] } } as unknown as ModelSummary

function form(patch: Partial<CompareForm>): CompareForm {
  return { ...emptyForm(), modelPath: '/m/checkpoint.pth', configPath: '/m/config.json', images: '/a.png\n\n /b.png ', ...patch }
}

describe('compareRequest', () => {
  it('compares FlowMo with the checked codecs and tokenizers; blank numbers are left to the engine', () => {
    const req = compareRequest(form({ onnxFolders: ['/tok', ' '] }), model)
    expect(req).toEqual({
      methods: ['flowmo', 'jpeg', 'webp', { onnx: '/tok' }], images: ['/a.png', '/b.png'], seed: 0,
      model: { checkpoint: '/m/checkpoint.pth', config: '/m/config.json' },
    })
  })

  it('sends more FlowMo checkpoints as methods, labelled or not, after FlowMo; blank rows are dropped', () => {
    const checkpoints = [{ label: ' 1B ', path: ' /runs/b.safetensors' }, { label: '', path: '/runs/c.pth' }, { label: 'x', path: ' ' }]
    const req = compareRequest(form({ checkpoints, steps: '2' }), model)
    expect(req.methods).toEqual(['flowmo', { flowmo: '/runs/b.safetensors', label: '1B' }, { flowmo: '/runs/c.pth' }, 'jpeg', 'webp'])
    const without = compareRequest(form({ checkpoints, steps: '2', methods: { flowmo: false, jpeg: true, webp: false, avif: false } }), model)
    expect([without.model, without.sampling?.steps, without.targetBpp, without.imageSizePx]).toEqual([undefined, 2, undefined, undefined]) // the checkpoints fix rate and size
  })

  it('overrides the sampler on top of the model’s own, and passes a typed target and size', () => {
    const req = compareRequest(form({ steps: '3', cfg: '1', targetBpp: '0.5', sizePx: '48', seed: 7 }), model)
    expect(req.sampling).toEqual({ steps: 3, rho: 4, cfg: 1, interval: [0.17, 1.02] })
    expect([req.targetBpp, req.imageSizePx, req.seed]).toEqual([0.5, 48, 7])
    expect(() => compareRequest(form({ steps: '3' }), null)).toThrow(/sampler fields need the model’s defaults/)
  })

  it('codecs alone take the model’s BPP and size, or typed ones, and send no model', () => {
    const codecsOnly = { methods: { flowmo: false, jpeg: true, webp: true, avif: false } }
    const fromModel = compareRequest(form(codecsOnly), model)
    expect(fromModel).toMatchObject({ methods: ['jpeg', 'webp'], targetBpp: 0.09375, imageSizePx: 32 })
    expect(fromModel.model).toBeUndefined()
    expect(compareRequest(form({ ...codecsOnly, modelPath: '', targetBpp: '1.0', sizePx: '64' }), null)).toMatchObject({ targetBpp: 1, imageSizePx: 64 })
    expect(() => compareRequest(form({ ...codecsOnly, modelPath: '' }), null)).toThrow('codecs alone need a target BPP: type one, or give a model or an ONNX tokenizer')
    expect(() => compareRequest(form({ ...codecsOnly, modelPath: '', targetBpp: '1' }), null)).toThrow(/codecs alone need an image size/)
  })

  it('asks for the ticked metrics, with the weights folder only when a metric is ticked', () => {
    const metrics = { ...emptyForm().metrics, lpips: true, 'fid-proxy': true }
    expect(compareRequest(form({ metrics, weightsDir: ' /w ' }), model)).toMatchObject({ metrics: ['lpips', 'fid-proxy'], weightsDir: '/w' })
    const none = compareRequest(form({ weightsDir: '/w' }), model)
    expect([none.metrics, none.weightsDir]).toEqual([undefined, undefined])
  })

  it('names what is missing or malformed', () => {
    expect(() => compareRequest(form({ methods: { flowmo: false, jpeg: false, webp: false, avif: false } }), model)).toThrow(/at least one method/)
    expect(() => compareRequest(form({ images: ' \n' }), model)).toThrow(/at least one image/)
    expect(() => compareRequest(form({ modelPath: '' }), model)).toThrow(/FlowMo needs a model/)
    expect(() => compareRequest(form({ targetBpp: '-1' }), model)).toThrow("target BPP must be a positive number, got '-1'")
    expect(() => compareRequest(form({ sizePx: '31.5' }), model)).toThrow(/image size must be a whole number/)
    expect(() => compareRequest(form({ seed: -2 }), model)).toThrow(/seed must be a whole number/)
  })
})
