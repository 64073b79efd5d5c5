// FlowMo as a Method on the tiny-a golden checkpoint: its BPP, sizes, and noise tied to the image index
// (the same image gives the same reconstruction whether it comes first in a batch or alone later).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flowmoMethod } from '../../../src/trainer/baselines/flowmo-method'
import type { Method } from '../../../src/trainer/baselines/method'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { initBackend } from '../../../src/trainer/backend'

let method: Method

const image = (seed: number) => ({ rgb: new Uint8Array(32 * 32 * 3).map((_, i) => (i * seed * 37) % 256), h: 32, w: 32 })

beforeAll(async () => {
  await initBackend('cpu')
  const model = await TfModel.open({ checkpoint: join(goldenDir(), 'tiny-a', 'checkpoint.pth'), config: join(goldenDir(), 'tiny-a', 'config.json') })
  method = flowmoMethod(model, { sampling: { steps: 2, cfg: 1 }, seed: 5, batch: 2 })
}, 60_000)

afterAll(() => method.dispose())

describe('flowmoMethod', () => {
  it('reports the code bits per pixel: 16 tokens × 6 bits / 32²', () => {
    expect(method.bpp(32)).toBeCloseTo(96 / 1024, 12)
    expect(() => method.bpp(64)).toThrow(/takes 32×32 images/)
    expect(method.settings.steps).toBe(2)
  })

  it('seeds the noise by image index, independent of batching', async () => {
    const [a, b, c] = [image(1), image(2), image(3)]
    const all = await method.reconstruct([a, b, c])
    const alone = await method.reconstruct([c], { firstIndex: 2 })
    const shifted = await method.reconstruct([c], { firstIndex: 0 })
    expect(all.map((r) => [r.image.h, r.image.w])).toEqual([[32, 32], [32, 32], [32, 32]])
    expect(Buffer.from(alone[0].image.rgb).equals(Buffer.from(all[2].image.rgb))).toBe(true)
    expect(Buffer.from(shifted[0].image.rgb).equals(Buffer.from(all[2].image.rgb))).toBe(false)
    expect(all[2].settings.noiseIndex).toBe(2)
  }, 60_000)
})
