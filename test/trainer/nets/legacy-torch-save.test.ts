// nets/legacy-torch-save.ts: the pre-1.6 torch.save format of older published weights (LPIPS heads, pytorch-fid),
// written here as `_legacy_save` does; loaded through the same path as zip .pth files.
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ParamRef } from '../../../src/trainer/model/ops'
import { openLegacyTorchSave } from '../../../src/trainer/nets/legacy-torch-save'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, paramValues } from '../../fixtures/nets/fixture-weights'
import { writeLegacyTorchSave } from '../../fixtures/nets/legacy-writer'
import { maxRelDiff, useBackend } from './backends'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-legacy-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const legacyTensors = (refs: readonly ParamRef[]) => refs.map((r) => ({ name: r.name, shape: r.shape, values: paramValues(r.name, r.shape) }))

describe('legacy torch.save files', () => {
  it('LPIPS-AlexNet from legacy-format backbone and heads equals the numpy reference', async () => {
    const c = ref.lpips_alex
    const layout = new LPIPS('alex', c.widthDivisor)
    writeLegacyTorchSave(join(dir, weightFiles.alexnet.fileName), legacyTensors(layout.backboneParams.all()))
    writeLegacyTorchSave(join(dir, weightFiles.lpipsAlex.fileName), legacyTensors(layout.headParams.all()), { oldRebuild: true })
    const lpips = await LPIPS.load('alex', { weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor })
    const image = (seed: number) => tf.tensor4d(fixtureImages(seed, c.shape, -1, 1), c.shape as [number, number, number, number])
    expect(maxRelDiff(lpips.distance(image(c.seeds[0]!), image(c.seeds[1]!)).dataSync(), c.distance)).toBeLessThan(1e-4)
    lpips.dispose()
  })

  it('reads views, transposed strides, offsets and big-endian data', async () => {
    const storage = Float32Array.from({ length: 12 }, (_, i) => i)
    const path = writeLegacyTorchSave(join(dir, 'views.pth'), [
      { name: 't', values: storage, shape: [4, 3], stride: [1, 4] }, // a [3, 4] matrix, transposed
      { name: 'v', values: storage, shape: [2], offset: 1, view: { key: 'v0', offset: 6, size: 4 } }, // elements 7, 8
    ], { bigEndian: true })
    const file = await openLegacyTorchSave(path)
    expect(Array.from(await file.tensors.get('t')!.read())).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    expect(Array.from(await file.tensors.get('v')!.read())).toEqual([7, 8])
    await file.close()
  })

  it('a truncated file is an error that says so', async () => {
    const path = writeLegacyTorchSave(join(dir, 'short.pth'), [{ name: 'w', values: new Float32Array(64), shape: [64] }])
    truncateSync(path, statSync(path).size - 16) // the last 4 floats of the storage are gone
    await expect(openLegacyTorchSave(path)).rejects.toThrow(/truncated \(storages end at byte \d+, the file has \d+\)/)
  })
})
