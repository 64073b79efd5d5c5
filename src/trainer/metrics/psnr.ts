// PSNR in dB on [0,1] pixels (data range 1; identical to data range 255 on uint8 and to 2 on [-1,1], since PSNR is scale-free).
// `per-image`: mean of per-image PSNR. `batch-pooled`: the reference's evaluate.py, which calls skimage PSNR on the whole batch of 5
// inside its per-image loop, so every image gets its batch's pooled-MSE PSNR and the mean runs over images.
import { assertSameShape, toUnitPixels, type Images, type Quantise, type UnitPixels } from './images'

export type PsnrConvention = 'per-image' | 'batch-pooled'

export interface PsnrOptions {
  readonly convention: PsnrConvention
  readonly quantise: Quantise // reference: 'truncate'
  readonly batchSize?: number // batch-pooled only; reference: 5
}

export interface PsnrResult {
  readonly value: number // dB, mean over images (Infinity if any image is exact)
  readonly perImage: Float64Array // per-image dB; under batch-pooled, each image's batch value
  readonly convention: PsnrConvention
  readonly quantise: Quantise
  readonly batchSize: number | null
  readonly dataRange: 1
  readonly n: number
}

export const referenceBatchSize = 5

function squaredErrorSums(x: UnitPixels, y: UnitPixels): Float64Array {
  const per = x.c * x.h * x.w
  const sums = new Float64Array(x.n)
  for (let b = 0; b < x.n; b++) {
    let s = 0
    for (let i = b * per; i < (b + 1) * per; i++) s += (x.data[i] - y.data[i]) ** 2
    sums[b] = s
  }
  return sums
}

const psnrFromMse = (mse: number): number => 10 * Math.log10(1 / mse)

function batchPooled(sums: Float64Array, valuesPerImage: number, batchSize: number): Float64Array {
  const out = new Float64Array(sums.length)
  for (let start = 0; start < sums.length; start += batchSize) {
    const end = Math.min(sums.length, start + batchSize)
    let s = 0
    for (let b = start; b < end; b++) s += sums[b]
    out.fill(psnrFromMse(s / ((end - start) * valuesPerImage)), start, end)
  }
  return out
}

export function psnr(reconstructed: Images, original: Images, options: PsnrOptions): PsnrResult {
  const x = toUnitPixels(reconstructed, options.quantise)
  const y = toUnitPixels(original, options.quantise)
  assertSameShape(x, y)
  const sums = squaredErrorSums(x, y)
  const per = x.c * x.h * x.w
  const batchSize = options.convention === 'batch-pooled' ? (options.batchSize ?? referenceBatchSize) : null
  const perImage = batchSize === null ? sums.map((s) => psnrFromMse(s / per)) : batchPooled(sums, per, batchSize)
  const value = perImage.reduce((a, v) => a + v, 0) / x.n
  return { value, perImage, convention: options.convention, quantise: options.quantise, batchSize, dataRange: 1, n: x.n }
}
