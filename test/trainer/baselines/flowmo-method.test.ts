// FlowMo as a Method on the tiny-a golden checkpoint: its BPP, sizes, and noise tied to the image itself (the same
// image gives the same reconstruction wherever it sits), or to its index with noise 'index'.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flowmoMethod } from '../../../src/trainer/baselines/flowmo-method'
import type { Method } from '../../../src/trainer/baselines/method'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { initBackend } from '../../../src/trainer/backend'

let method: Method
let byIndex: Method

const image = (seed: number) => ({ rgb: new Uint8Array(32 * 32 * 3).map((_, i) => (i * seed * 37) % 256), h: 32, w: 32 })

beforeAll(async () => {
  await initBackend('cpu')
  const model = await TfModel.open({ checkpoint: join(goldenDir(), 'tiny-a', 'checkpoint.pth'), config: join(goldenDir(), 'tiny-a', 'config.json') })
  method = flowmoMethod(model, { sampling: { steps: 2, cfg: 1 }, seed: 5, batch: 2 })
  byIndex = flowmoMethod(model, { sampling: { steps: 2, cfg: 1 }, seed: 5, batch: 2, noise: 'index' })
})

afterAll(() => method.dispose()) // byIndex shares the model

describe('flowmoMethod', () => {
  it('reports the code bits per pixel: 16 tokens × 6 bits / 32²', () => {
    expect(method.bpp(32)).toBeCloseTo(96 / 1024, 12)
    expect(() => method.bpp(64)).toThrow(/takes 32×32 images/)
    expect(method.settings.steps).toBe(2)
  })

  const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y))

  const [a, b, c] = [image(1), image(2), image(3)]
  let cAlone: Uint8Array // c reconstructed alone, at position 0

  it('keys the noise by the image: the same reconstruction at any position or batch', async () => {
    const all = await method.reconstruct([a, b, c])
    const alone = await method.reconstruct([c], { firstIndex: 7 })
    cAlone = alone[0].image.rgb
    expect(all.map((r) => [r.image.h, r.image.w])).toEqual([[32, 32], [32, 32], [32, 32]])
    expect(same(cAlone, all[2].image.rgb)).toBe(true)
    expect(all[2].settings.noiseIndex).toBeUndefined()
  })

  it("with noise 'index' keys it by position instead, independent of batching", async () => {
    const both = await byIndex.reconstruct([b, c]) // c at position 1
    const alone = await byIndex.reconstruct([c], { firstIndex: 1 })
    expect(same(alone[0].image.rgb, both[1].image.rgb)).toBe(true)
    expect(both[1].settings.noiseIndex).toBe(1)
    expect(same(both[1].image.rgb, cAlone)).toBe(false) // another noise than the image-keyed one
  })
})
