// SSIM (Wang et al. 2004), K1 0.01, K2 0.03, per channel, mean over the valid (uncropped) region, then over channels and images.
// `gaussian-11`: 11×11 Gaussian σ 1.5, population covariance = skimage structural_similarity(gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False) = torchmetrics SSIM defaults. `skimage-default-7x7`: 7×7 uniform, sample covariance (the paper's numbers).
// Float64 throughout; skimage keeps float32 input in float32, which moves the mean by ~1e-7.
import { assertSameShape, toUnitPixels, type Images, type Quantise } from './images'

export type SsimVariant = 'gaussian-11' | 'skimage-default-7x7'
/** Value space: `unit` = [0,1] with data range 1 (≡ uint8 with 255); `signed` = [-1,1] with data range 2 (a different number). */
export type SsimRange = 'unit' | 'signed'

export interface SsimOptions {
  readonly variant: SsimVariant
  readonly quantise: Quantise // reference: 'truncate'
  readonly range?: SsimRange // default 'unit' (the reference's data_range=1.0 on /255 pixels)
}

export interface SsimResult {
  readonly value: number // mean over images
  readonly perImage: Float64Array
  readonly variant: SsimVariant
  readonly quantise: Quantise
  readonly range: SsimRange
  readonly dataRange: number
  readonly n: number
}

export interface SsimWindow {
  readonly weights: Float64Array // separable 1-D window, sums to 1
  readonly covNorm: number // 1 (population) or NP/(NP−1) (sample)
}

const K1 = 0.01
const K2 = 0.03

/** Window of scipy.ndimage.gaussian_filter(sigma, truncate=3.5) or uniform_filter(size), as skimage builds it. */
export function ssimWindow(variant: SsimVariant): SsimWindow {
  if (variant === 'skimage-default-7x7') return { weights: new Float64Array(7).fill(1 / 7), covNorm: 49 / 48 }
  const sigma = 1.5
  const radius = Math.trunc(3.5 * sigma + 0.5) // 5 → 11 taps
  const weights = new Float64Array(2 * radius + 1).map((_, i) => Math.exp((-0.5 * (i - radius) ** 2) / sigma ** 2))
  const total = weights.reduce((a, v) => a + v, 0)
  return { weights: weights.map((v) => v / total), covNorm: 1 }
}

/** Separable filter over the valid region only: [h, w] → [h − k + 1, w − k + 1]. */
function filterValid(img: Float64Array, h: number, w: number, k: Float64Array): Float64Array {
  const ow = w - k.length + 1
  const oh = h - k.length + 1
  const rows = new Float64Array(h * ow)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0
      for (let t = 0; t < k.length; t++) s += k[t] * img[y * w + x + t]
      rows[y * ow + x] = s
    }
  }
  const out = new Float64Array(oh * ow)
  for (let y = 0; y < oh; y++) {
    for (let t = 0; t < k.length; t++) {
      for (let x = 0; x < ow; x++) out[y * ow + x] += k[t] * rows[(y + t) * ow + x]
    }
  }
  return out
}

/** Mean SSIM of one channel pair [h, w]. */
export function ssimChannel(x: Float64Array, y: Float64Array, h: number, w: number, win: SsimWindow, dataRange: number): number {
  if (h < win.weights.length || w < win.weights.length) {
    throw new Error(`SSIM window ${win.weights.length} is larger than the image ${h}×${w}`)
  }
  const filt = (img: Float64Array): Float64Array => filterValid(img, h, w, win.weights)
  const ux = filt(x)
  const uy = filt(y)
  const uxx = filt(x.map((v) => v * v))
  const uyy = filt(y.map((v) => v * v))
  const uxy = filt(x.map((v, i) => v * y[i]))
  const c1 = (K1 * dataRange) ** 2
  const c2 = (K2 * dataRange) ** 2
  let sum = 0
  for (let i = 0; i < ux.length; i++) {
    const vx = win.covNorm * (uxx[i] - ux[i] * ux[i])
    const vy = win.covNorm * (uyy[i] - uy[i] * uy[i])
    const vxy = win.covNorm * (uxy[i] - ux[i] * uy[i])
    const a = (2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)
    sum += a / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2))
  }
  return sum / ux.length
}

export function ssim(reconstructed: Images, original: Images, options: SsimOptions): SsimResult {
  const range = options.range ?? 'unit'
  const toRange = (v: number): number => (range === 'unit' ? v : 2 * v - 1)
  const x = toUnitPixels(reconstructed, options.quantise)
  const y = toUnitPixels(original, options.quantise)
  assertSameShape(x, y)
  const win = ssimWindow(options.variant)
  const dataRange = range === 'unit' ? 1 : 2
  const plane = x.h * x.w
  const perImage = new Float64Array(x.n)
  for (let b = 0; b < x.n; b++) {
    let s = 0
    for (let ch = 0; ch < x.c; ch++) {
      const at = (b * x.c + ch) * plane
      const xc = x.data.subarray(at, at + plane).map(toRange)
      const yc = y.data.subarray(at, at + plane).map(toRange)
      s += ssimChannel(xc, yc, x.h, x.w, win, dataRange)
    }
    perImage[b] = s / x.c
  }
  const value = perImage.reduce((a, v) => a + v, 0) / x.n
  return { value, perImage, variant: options.variant, quantise: options.quantise, range, dataRange, n: x.n }
}
