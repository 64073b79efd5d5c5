// The perceptual subgraphs (export/grad/perceptual-graph.ts) run through PerceptualGradSession: for each network,
// the graph's λ·distance equals λ × the tfjs loss's distance and grad_y equals tf.grad of it w.r.t. y. LPIPS-VGG and
// ResNet-50 on the tiny seeded networks of test/fixtures/nets (real weights are not downloadable); the proxy on its
// real bundled MobileNetV2. Together they cover strided/padded/grouped convs, overlapping max pools (and ties: the
// pools read ReLU zeros), asymmetric 'same' padding, ReLU6, the antialiased resize and LPIPS's unit normalisation.
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { PerceptualLoss } from '../../../../src/trainer/losses/perceptual'
import { loadProxyMobileNetV2 } from '../../../../src/trainer/nets/mobilenet-v2-proxy'
import { buildPerceptualGradGraph, perceptualNetGraph } from '../../../../src/trainer/export/grad/perceptual-graph'
import { PerceptualGradSession } from '../../../../src/trainer/train/perceptual-grad-session'
import { ProxyPerceptualLoss } from '../../../../src/trainer/losses/perceptual-nets'
import { fixtureImages, netsReference as ref } from '../../../fixtures/nets/fixture-weights'
import { tinyLpipsLoss, tinyResNetLoss } from '../../../fixtures/nets/tiny-losses'
import { maxAbsDiff, useBackend } from '../../nets/backends'

beforeAll(() => useBackend('cpu'))

const proxy = async (): Promise<PerceptualLoss> => new ProxyPerceptualLoss(await loadProxyMobileNetV2())

/** y near x (a reconstruction), so that the distance and its gradient are of a training step's kind. */
function imagePair(shape: number[], seed: number): [Float32Array, Float32Array] {
  const x = fixtureImages(seed, shape, -1, 1)
  const noise = fixtureImages(seed + 100, shape, -0.3, 0.3)
  return [x, x.map((v, i) => v + noise[i]!)]
}

const nets: [string, () => Promise<PerceptualLoss>, number[]][] = [
  ['LPIPS-VGG (the Stage-1A term)', tinyLpipsLoss, ref.lpips_vgg.shape],
  ['ResNet-50 logits (the Stage-1B term, 40 px resized to 32)', tinyResNetLoss, ref.resnet50.shape],
  ['the MobileNetV2 proxy', proxy, [2, 3, 48, 48]],
]

describe('perceptual subgraphs equal the tfjs losses', () => {
  it.each(nets)('%s: value and ∂/∂y', async (_, load, shape) => {
    const loss = await load()
    const [x, y] = imagePair(shape, 11)
    const weight = 0.5
    const session = await PerceptualGradSession.create(loss, { batch: shape[0]!, imageSizePx: shape[2]!, weight, device: 'cpu', intraOpNumThreads: 1 })
    const got = await session.run(x, y)
    await session.release()
    const s4 = shape as [number, number, number, number]
    const xt = tf.tensor4d(x, s4)
    const f = (yv: tf.Tensor) => tf.mul(loss.distance(xt, yv as tf.Tensor4D), weight) as tf.Scalar
    const want = f(tf.tensor4d(y, s4)).dataSync()[0]!
    const grad = tf.grad(f)(tf.tensor4d(y, s4)).dataSync() as Float32Array
    expect(want).toBeGreaterThan(0)
    expect(Math.abs(got.loss - want) / want).toBeLessThan(1e-4)
    const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    expect(scale).toBeGreaterThan(0)
    expect(maxAbsDiff(got.gradY, grad)).toBeLessThan(1e-4 * scale)
    loss.dispose()
  })

  it.each(nets)('%s: runs on x and on y with each filter emitted once, and only y\'s half has a backward', async (_, load, shape) => {
    const loss = await load()
    const nodes = buildPerceptualGradGraph(perceptualNetGraph(loss), shape[0]!, shape[2]!, 1).graph.nodes
    const convs = nodes.filter((n) => n.opType === 'Conv')
    expect(convs.length % 2).toBe(0)
    expect(new Set(convs.map((n) => n.inputs[1])).size).toBe(convs.length / 2)
    expect(nodes.filter((n) => n.opType === 'ConvTranspose')).toHaveLength(convs.length / 2)
    loss.dispose()
  })

  it('refuses a batch of another size, naming the graph shape', async () => {
    const loss = await proxy()
    const session = await PerceptualGradSession.create(loss, { batch: 1, imageSizePx: 32, weight: 1, device: 'cpu' })
    await expect(session.run(new Float32Array(3 * 32 * 32 * 2), new Float32Array(3 * 32 * 32 * 2))).rejects.toThrow(/built for \[1,3,32,32\]/)
    await session.release()
    loss.dispose()
  })
})
