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
}, 60_000)

afterAll(() => method.dispose()) // byIndex shares the model

describe('flowmoMethod', () => {
  it('reports the code bits per pixel: 16 tokens × 6 bits / 32²', () => {
    expect(method.bpp(32)).toBeCloseTo(96 / 1024, 12)
    expect(() => method.bpp(64)).toThrow(/takes 32×32 images/)
    expect(method.settings.steps).toBe(2)
  })

  const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y))

  it('keys the noise by the image: the same reconstruction at any position or batch', async () => {
    const [a, b, c] = [image(1), image(2), image(3)]
    const all = await method.reconstruct([a, b, c])
    const first = await method.reconstruct([c, a])
    const later = await method.reconstruct([c], { firstIndex: 7 })
    expect(all.map((r) => [r.image.h, r.image.w])).toEqual([[32, 32], [32, 32], [32, 32]])
    expect(same(first[0].image.rgb, all[2].image.rgb)).toBe(true)
    expect(same(first[1].image.rgb, all[0].image.rgb)).toBe(true)
    expect(same(later[0].image.rgb, all[2].image.rgb)).toBe(true)
    expect(all[2].settings.noiseIndex).toBeUndefined()
  }, 60_000)

  it("with noise 'index' keys it by position instead, independent of batching", async () => {
    const [a, b, c] = [image(1), image(2), image(3)]
    const all = await byIndex.reconstruct([a, b, c])
    const alone = await byIndex.reconstruct([c], { firstIndex: 2 })
    const shifted = await byIndex.reconstruct([c], { firstIndex: 0 })
    expect(same(alone[0].image.rgb, all[2].image.rgb)).toBe(true)
    expect(same(shifted[0].image.rgb, all[2].image.rgb)).toBe(false)
    expect(all[2].settings.noiseIndex).toBe(2)
    expect(same(all[2].image.rgb, (await method.reconstruct([c]))[0].image.rgb)).toBe(false)
  }, 60_000)
})
