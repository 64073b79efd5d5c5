// LPIPS as an evaluation metric (reference evaluate.py: lpips.LPIPS(net="alex") and (net="vgg") on [−1, 1]
// images, one value per image): batches through nets/lpips.ts, with the weight files recorded for the protocol card.
import * as tf from '@tensorflow/tfjs-core'
import { LPIPS, type LpipsLoadOptions, type LpipsNet } from '../nets/lpips'
import type { ImagesNCHW } from './images'
import type { FeatureNetwork } from './protocol'

export interface LpipsMetric {
  readonly net: LpipsNet
  /** backbone and heads files with their SHA-256, for the protocol card */
  readonly networks: readonly FeatureNetwork[]
  /** One distance per image pair; `x` and `y` NCHW in [−1, 1] (values outside are clamped). */
  lpips(x: ImagesNCHW, y: ImagesNCHW, batchSize?: number): Promise<Float32Array>
  dispose(): void
}

export async function openLpipsMetric(net: LpipsNet, opts: LpipsLoadOptions = {}): Promise<LpipsMetric> {
  const model = await LPIPS.load(net, opts)
  const name = `lpips-${net} v0.1`
  const networks = model.files.map((f) => ({
    name, input: 'float [-1,1] NCHW, no resize', weightsFile: f.path.split(/[\\/]/).pop()!, sha256: f.sha256,
  }))
  return {
    net,
    networks,
    lpips: (x, y, batchSize = 8) => lpipsBatches(model, x, y, batchSize),
    dispose: () => model.dispose(),
  }
}

async function lpipsBatches(model: LPIPS, x: ImagesNCHW, y: ImagesNCHW, batchSize: number): Promise<Float32Array> {
  if (x.shape.some((d, i) => d !== y.shape[i])) throw new Error(`LPIPS needs equal shapes, got [${x.shape}] and [${y.shape}]`)
  const [n, c, h, w] = x.shape
  const per = c * h * w
  const out = new Float32Array(n)
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start)
    const batch = (im: ImagesNCHW) => tf.clipByValue(tf.tensor4d(im.data.subarray(start * per, (start + count) * per), [count, c, h, w]), -1, 1) as tf.Tensor4D
    const d = tf.tidy(() => model.distance(batch(x), batch(y)))
    out.set(await d.data(), start) // sync point
    d.dispose()
  }
  return out
}
