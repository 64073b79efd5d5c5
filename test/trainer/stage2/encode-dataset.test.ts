// encodeDataset stores ±1 bits: a model whose code is not LFQ is refused before any image is read, naming its quantiser.
import { describe, expect, it } from 'vitest'
import type { InferenceModel } from '../../../src/trainer/inference/inference-model'
import { withQuantizer } from '../../../src/trainer/model/config-variants'
import { encodeDataset } from '../../../src/trainer/stage2/encode-dataset'
import { tinyConfig } from '../train/tiny'

describe('encodeDataset', () => {
  it.each(['fsq', 'continuous'] as const)('refuses a %s model', async (kind) => {
    let encoded = 0
    const model = { config: withQuantizer(tinyConfig(), { kind }), encode: async () => (encoded++, { codePre: new Float32Array(), code: new Float32Array() }) }
    await expect(encodeDataset(model as unknown as InferenceModel, { dataDir: '/none', files: ['/none/a.png'], flip: false, batch: 1 }))
      .rejects.toThrow(`this model's code is ${kind}`)
    expect(encoded).toBe(0)
  })
})
