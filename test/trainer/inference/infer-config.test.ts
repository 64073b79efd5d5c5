// The config a checkpoint implies from its shapes: official FlowMo-Lo/Hi state dicts give the presets back.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LoadedWeights } from '../../../src/trainer/checkpoint/checkpoint'
import { impliedConfig } from '../../../src/trainer/inference/infer-config'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { preset } from '../../../src/trainer/model/configs'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const shapes = JSON.parse(readFileSync(join(goldenDir(), 'state-dict-shapes.json'), 'utf8')).configs

function shapesOnly(entries: [string, number[]][], metadata: Record<string, string> = {}): LoadedWeights {
  const tensors = new Map(entries.map(([name, shape]) => [name, { name, shape, dtype: 'F32', read: async () => new Float32Array(0) }]))
  return { format: 'pth', path: 'x.pth', stateDictKey: null, available: [], totalSteps: null, metadata, tensors, close: async () => {} }
}

describe('impliedConfig', () => {
  it.each([['FlowMo-Lo', 'flowmo-lo'], ['FlowMo-Hi', 'flowmo-hi']])('%s shapes imply the %s preset', (key, name) => {
    const { config, source, assumed } = impliedConfig(shapesOnly(shapes[key].state_dict))
    expect(source).toBe('shapes')
    expect(assumed.join(' ')).toMatch(/image size 256/)
    const p = (c: typeof config) => new FlowMo(c).parameters().map((r) => [r.name, r.shape])
    expect(p(config)).toEqual(p(preset(name)))
    expect(config.decoder.axesDim).toEqual(preset(name).decoder.axesDim)
  })
  it('prefers the config stored in our checkpoint metadata', () => {
    const doc = { name: 'mine', imageSize: 64, patchSize: 4, codeLength: 64, contextDim: 12, codebookSizeForEntropy: 6,
      encoder: { hiddenSize: 256, numHeads: 4, axesDim: [16, 24, 24], depth: 2 }, decoder: { hiddenSize: 256, numHeads: 4, axesDim: [16, 24, 24], depth: 4 } }
    const { config, source } = impliedConfig(shapesOnly([], { config: JSON.stringify(doc) }))
    expect(source).toBe('metadata')
    expect(config.codeLength).toBe(64)
  })
  it('names what is missing from a non-FlowMo state dict', () => {
    expect(() => impliedConfig(shapesOnly([['fc.weight', [10, 10]]]))).toThrow(/not a FlowMo state dict: it has no encoder.img_in.weight/)
  })
})
