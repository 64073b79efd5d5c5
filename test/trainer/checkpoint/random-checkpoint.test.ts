// Random-weight checkpoints: a preset's exact state dict (FlowMo-Lo/Hi against the reference's names, shapes and
// order), written as the reference's torch.save dict that our .pth reader opens, seeded values in the stated bounds,
// and a model that opens and reconstructs on onnxruntime.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openWeights } from '../../../src/trainer/checkpoint/checkpoint'
import { presetStateDict, writeRandomCheckpoint } from '../../../src/trainer/checkpoint/random-checkpoint'
import { checkpointInfo } from '../../../src/trainer/inference/checkpoint-info'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const work = mkdtempSync(join(tmpdir(), 'flowmo-random-ckpt-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const shapes = JSON.parse(readFileSync(join(goldenDir(), 'state-dict-shapes.json'), 'utf8')).configs

describe('random-weight checkpoints', () => {
  it.each([['flowmo-lo', 'FlowMo-Lo'], ['flowmo-hi', 'FlowMo-Hi']])('%s: the reference state dict, in order', (name, key) => {
    expect(presetStateDict(name).map((p) => [p.name, [...p.shape]])).toEqual(shapes[key].state_dict)
  })

  it('writes a .pth our reader opens: names, shapes and order of the preset, seeded values within bounds', async () => {
    const path = join(work, 'tiny.pth')
    const report = await writeRandomCheckpoint('tiny-64', path, { seed: 1, stateDicts: 'both' })
    const expected = presetStateDict('tiny-64')
    expect(report.tensors).toBe(expected.length)
    const w = await openWeights(path)
    try {
      expect(w.available).toEqual(['model_ema_state_dict', 'model_state_dict'])
      expect([...w.tensors.values()].map((t) => [t.name, t.shape])).toEqual(expected.map((p) => [p.name, [...p.shape]]))
      const qkv = await w.tensors.get('decoder.double_blocks.0.img_attn.qkv.weight')!.read()
      const bound = 1 / Math.sqrt(w.tensors.get('decoder.double_blocks.0.img_attn.qkv.weight')!.shape[1])
      const largest = qkv.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      expect(largest).toBeLessThanOrEqual(bound)
      expect(largest).toBeGreaterThan(0.9 * bound)
      expect([...(await w.tensors.get('decoder.double_blocks.0.img_attn.norm.query_norm.scale')!.read())].every((v) => v === 1)).toBe(true)
    } finally {
      await w.close()
    }
    const info = await checkpointInfo(path)
    expect(info.fits).toBe(true)
    expect(info.parameters).toBe(report.parameters)
    // the same seed gives the same values; another seed other values
    await writeRandomCheckpoint('tiny-64', join(work, 'again.pth'), { seed: 1 })
    await writeRandomCheckpoint('tiny-64', join(work, 'other.pth'), { seed: 2 })
    const [first, again, other] = await Promise.all(['tiny.pth', 'again.pth', 'other.pth'].map((f) => tensorValues(join(work, f), 'encoder.img_in.weight')))
    expect(again).toEqual(first)
    expect(other).not.toEqual(first)
  })

  it('opens on onnxruntime and reconstructs finite images', async () => {
    const path = join(work, 'ema.pth')
    await writeRandomCheckpoint('tiny-64', path)
    const model = await OrtModel.open({ checkpoint: path, preset: 'tiny-64' }, { device: 'cpu', cacheDir: join(work, 'cache') })
    try {
      const S = model.config.imageSize
      const res = await model.reconstruct(new Float32Array(3 * S * S).fill(0.1), 1, { sampling: { steps: 2 } })
      expect(res.images.length).toBe(3 * S * S)
      expect(res.images.every(Number.isFinite)).toBe(true)
      expect(model.info.stateDicts).toEqual(['model_ema_state_dict'])
    } finally {
      await model.dispose()
    }
  })
})

async function tensorValues(path: string, name: string): Promise<Float32Array> {
  const w = await openWeights(path)
  try {
    return await w.tensors.get(name)!.read()
  } finally {
    await w.close()
  }
}
