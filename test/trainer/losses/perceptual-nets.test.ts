// losses/perceptual.ts + perceptual-nets.ts: kinds, the missing-file message and the fallback rule, the values of
// the LPIPS-VGG and ResNet-50 losses on tiny networks (numpy reference) and their input gradients on wasm.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { ProxyPerceptualLoss } from '../../../src/trainer/losses/perceptual-nets'
import { MissingWeightsError } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref } from '../../fixtures/nets/fixture-weights'
import { tinyLpipsLoss, tinyResNetLoss } from '../../fixtures/nets/tiny-losses'
import { useBackend } from '../nets/backends'

const empty = mkdtempSync(join(tmpdir(), 'flowmo-no-weights-'))
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))

const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, b) => a + b * b, 0))
const image = (seed: number, shape: number[], lo = -1, hi = 1) => tf.tensor4d(fixtureImages(seed, shape, lo, hi), shape as [number, number, number, number])

describe('createPerceptualLoss', () => {
  it("'none' is no loss; 'proxy' is the labelled MobileNetV2 proxy", async () => {
    expect(await createPerceptualLoss('none', {})).toBeNull()
    const proxy = (await createPerceptualLoss('proxy', {}))!
    expect([proxy.name, proxy.isProxy]).toEqual(['proxy', true])
    expect(proxy.label).toMatch(/^perceptual proxy \(MobileNetV2 .*nsfwjs.*\), not LPIPS$/)
    proxy.dispose()
  })

  it('missing weights: a clear error, or the proxy (saying why) only when fallback is allowed', async () => {
    await expect(createPerceptualLoss('lpips-vgg', { weightsDir: empty })).rejects.toThrow(MissingWeightsError)
    await expect(createPerceptualLoss('resnet50', { weightsDir: empty })).rejects.toThrow(/resnet50-0676ba61\.pth.*IMAGENET1K_V1/)
    const fallback = (await createPerceptualLoss('resnet50', { weightsDir: empty, allowFallback: true }))!
    expect(fallback).toBeInstanceOf(ProxyPerceptualLoss)
    expect(fallback.isProxy).toBe(true)
    expect(fallback.label).toContain('fallback: resnet50-0676ba61.pth not found')
    fallback.dispose()
  })
})

describe('loss values on tiny networks', () => {
  it('LPIPS-VGG is the batch mean of the reference distances; ResNet-50 the reference logit MSE', async () => {
    const lpips = await tinyLpipsLoss()
    const c = ref.lpips_vgg
    const d = lpips.distance(image(c.seeds[0]!, c.shape), image(c.seeds[1]!, c.shape)).dataSync()[0]!
    expect(Math.abs(d - (c.distance[0]! + c.distance[1]!) / 2)).toBeLessThan(1e-5)
    lpips.dispose()
    const resnet = await tinyResNetLoss()
    const r = ref.resnet50
    const mse = resnet.distance(image(r.seeds[0]!, r.shape), image(r.seeds[1]!, r.shape)).dataSync()[0]!
    expect(Math.abs(mse - r.mse) / r.mse).toBeLessThan(1e-4)
    resnet.dispose()
  })

  it('the proxy is 0 for equal images and grows with the distortion', async () => {
    const proxy = (await createPerceptualLoss('proxy', {}))!
    const x = image(21, [2, 3, 32, 32])
    const noise = image(22, [2, 3, 32, 32])
    const at = (s: number) => proxy.distance(x, tf.clipByValue(tf.add(x, tf.mul(noise, s)), -1, 1) as tf.Tensor4D).dataSync()[0]!
    expect(at(0)).toBe(0)
    const [small, large] = [at(0.05), at(0.5)]
    expect(small).toBeGreaterThan(0)
    expect(large).toBeGreaterThan(2 * small)
    proxy.dispose()
  })
})

describe('input gradients on wasm', () => {
  it('each loss has a finite gradient w.r.t. the reconstruction, equal to the cpu one', async () => {
    const makers: (() => Promise<{ distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Scalar; dispose(): void }>)[] = [
      tinyLpipsLoss, tinyResNetLoss, async () => (await createPerceptualLoss('proxy', {}))!,
    ]
    const x = () => image(31, [2, 3, 32, 32])
    const y = () => image(32, [2, 3, 32, 32])
    for (const make of makers) {
      const grads: Float32Array[] = []
      for (const backend of ['cpu', 'wasm'] as const) {
        await useBackend(backend)
        const loss = await make()
        grads.push(tf.grad((v: tf.Tensor) => loss.distance(x(), v as tf.Tensor4D))(y()).dataSync() as Float32Array)
        loss.dispose()
      }
      expect(grads[0]!.every(Number.isFinite)).toBe(true)
      expect(Math.max(...grads[0]!.map(Math.abs))).toBeGreaterThan(0)
      // relative L2 error. The tiny random ResNet is so kinked (logits ~600) that a few ReLU inputs round to the
      // other side of 0 on one backend; its cpu and wasm directional derivatives both match finite differences to 0.5 %.
      expect(norm(grads[1]!.map((g, i) => g - grads[0]![i]!)) / norm(grads[0]!)).toBeLessThan(1e-2)
    }
    await useBackend('cpu')
  })
})
