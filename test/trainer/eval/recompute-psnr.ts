// Each image's PSNR recomputed for the eval tests, independently of the eval loop: the image alone through encode →
// decode from its own noise (sample/noise.ts, keyed by seed and content), PSNR from the definition (inspect/recompute).
import { readFileSync } from 'node:fs'
import { loadImageTensor } from '../../../src/trainer/data/images'
import { openFastModel } from '../../../src/trainer/inference/fast-path'
import type { ModelSource } from '../../../src/trainer/inference/tf-model'
import type { SamplingConfig } from '../../../src/trainer/model/configs'
import { imageIdentity, imageNoise } from '../../../src/trainer/sample/noise'
import { psnrOf } from '../inspect/recompute'

/** [path, PSNR in the eval's per-image.csv, PSNR recomputed] per row of the CSV. */
export async function recomputedPsnrs(csv: string, source: ModelSource, sampling: Partial<SamplingConfig>, seed: number): Promise<[string, number, number][]> {
  const { model } = await openFastModel(source, { path: 'tfjs' })
  const S = model.config.imageSize
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','))
  const out: [string, number, number][] = []
  for (const [path, psnr] of rows) {
    const x = await loadImageTensor(path, S, 'center') // [1, 3, S, S]
    const { code } = await model.encode(x, 1)
    const { images } = await model.decode(code, imageNoise(seed, imageIdentity(x), S), 1, { sampling })
    out.push([path, Number(psnr), psnrOf(images, x)])
  }
  await model.dispose()
  return out
}
