// Fixed-seed samples of a checkpoint under an eval protocol: the first k of the eval's images over their
// reconstructions with the eval's sampler, seed and noise keying — the grid our runs write to samples/step-N.png
// (train/validation.ts), so `flowmo watch` gives an official run the same sample slider.
import { openFastModel } from '../inference/fast-path'
import { gridPng } from '../train/validation'
import { evalImages, type EvalOptions } from './evaluate'
import { loadImage } from './eval-run'

/** The PNG of originals (top row) over reconstructions of the first k images of `o.dataDir`, as `evaluate(o)` sees them. */
export async function sampleGrid(o: EvalOptions, k: number): Promise<Uint8Array> {
  const { model } = await openFastModel(o.source, { path: o.path, openTfjs: o.openTfjs, onNotice: o.onNotice, onProgress: (m) => o.onNotice?.(`export: ${m}`) })
  try {
    const S = model.config.imageSize
    const images = (await evalImages(o, S)).slice(0, k)
    const x = new Float32Array(images.length * 3 * S * S) // [k, 3, S, S]
    for (const [i, path] of images.entries()) x.set(await loadImage(path, S), i * 3 * S * S)
    const res = await model.reconstruct(x, images.length, { sampling: o.sampling, seed: o.seed, noise: o.noise ?? 'image', firstIndex: 0 })
    return (await gridPng(x, res.images, images.length, S)).png
  } finally {
    await model.dispose()
  }
}
