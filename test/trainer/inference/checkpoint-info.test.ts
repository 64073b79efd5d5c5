// `flowmo info` counts parameters as the app does (the model's, from its config), and says what an inference-only
// file holds instead: the bundled model once showed 15.20 M in the app and 11 862 988 in `flowmo info`.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { checkpointInfo, formatCheckpointInfo } from '../../../src/trainer/inference/checkpoint-info'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { openWeights } from '../../../src/trainer/checkpoint/checkpoint'

const bundled = join(import.meta.dirname, '..', '..', '..', 'resources', 'models', 'photo-64.safetensors')

describe('checkpointInfo parameters', () => {
  it('the inference-only bundled model: the model count the app shows, and the stored count named as such', async () => {
    await initBackend('cpu')
    const info = await checkpointInfo(bundled)
    const model = await TfModel.open({ checkpoint: bundled })
    const w = await openWeights(bundled)
    const stored = [...w.tensors.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)
    await w.close()
    expect(info.parameters).toBe(model.info.parameters)
    model.dispose()
    expect(info.inferenceOnly).toBe(true)
    expect(info.storedParameters).toBe(stored)
    expect(info.storedParameters).toBeLessThan(info.parameters)
    const text = formatCheckpointInfo(info)
    expect(text).toContain(`${info.parameters.toLocaleString('en-US')} in the model; the file holds ${stored.toLocaleString('en-US')} (inference-only`)
  })
})
