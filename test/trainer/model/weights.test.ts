// State-dict binding: strict by default; an inference-only file (metadata inference_only) may leave out exactly the
// parameters the inference forward never reads, and still gives the reference outputs.
import * as tf from '@tensorflow/tfjs-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { openWeights } from '../../../src/trainer/checkpoint/checkpoint'
import { writeSafetensors } from '../../../src/trainer/checkpoint/safetensors'
import { FlowMo, codeInput } from '../../../src/trainer/model/flowmo'
import { TfOps } from '../../../src/trainer/model/tf-ops'
import { INFERENCE_ONLY_KEY, disposeWeightMap, loadWeightMap, unusedAtInference } from '../../../src/trainer/model/weights'
import { quantize } from '../../../src/trainer/model/lfq'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { loadGoldenSet } from '../../../src/trainer/parity/golden-set'

beforeAll(async () => {
  await initBackend()
})

describe('inference-only state dicts', () => {
  it('leave out the unused parameters and still decode exactly as the reference', async () => {
    const set = await loadGoldenSet(join(goldenDir(), 'tiny-a'))
    const model = new FlowMo(set.config)
    const unused = unusedAtInference(model)
    expect(unused.has('encoder.time_in.in_layer.weight')).toBe(true)
    expect(unused.has('decoder.double_blocks.1.txt_mlp.0.weight')).toBe(true) // last decoder block's txt stream
    expect(unused.has('decoder.double_blocks.1.txt_mod.lin.weight')).toBe(false) // partly used: shift1/scale1
    const full = await openWeights(join(set.dir, 'weights.safetensors'))
    const kept = [...full.tensors.values()].filter((t) => !unused.has(t.name))
    const tensors = await Promise.all(kept.map(async (t) => ({ name: t.name, shape: t.shape, dtype: 'F32' as const, data: await t.read() })))
    await full.close()
    const dir = mkdtempSync(join(tmpdir(), 'flowmo-inf-'))
    await writeSafetensors(join(dir, 'flagged.safetensors'), tensors, { [INFERENCE_ONLY_KEY]: 'true' })
    await writeSafetensors(join(dir, 'plain.safetensors'), tensors, {})

    const flagged = await openWeights(join(dir, 'flagged.safetensors'))
    const map = await loadWeightMap(model, flagged)
    await expect(loadWeightMap(model, flagged, true)).rejects.toThrow(/inference-only/)
    await flagged.close()
    const io = (n: string) => tf.tensor(set.io.get(n)!.data, set.io.get(n)!.shape)
    const o = new TfOps(map)
    const v = model.decode(o, io('x_t'), codeInput(o, quantize(model.encode(o, io('x')))), io('t') as tf.Tensor1D)
    const maxAbs = tf.max(tf.abs(tf.sub(v, io('v')))).dataSync()[0]
    expect(maxAbs).toBeLessThan(2e-5)
    disposeWeightMap(map)

    const plain = await openWeights(join(dir, 'plain.safetensors'))
    await expect(loadWeightMap(model, plain)).rejects.toThrow(/Missing from the checkpoint/)
    await plain.close()
  })
})
