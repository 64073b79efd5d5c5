// Image batches as the metrics read them, and the reference's pixel pipeline before PSNR/SSIM
// (evaluate.py:270-298: [-1,1] → [0,1] → ×255 → `.to(torch.uint8)` → /255, applied to GT and reconstruction alike).

/** Model-side images: NCHW float32 in [-1, 1] (the reference layout). Values outside are clamped. */
export interface ImagesNCHW {
  readonly layout: 'nchw-f32-signed'
  readonly data: Float32Array
  readonly shape: readonly [n: number, c: number, h: number, w: number]
}

/** File-side images: NHWC uint8 in [0, 255] (what a decoded PNG gives). */
export interface ImagesNHWC8 {
  readonly layout: 'nhwc-u8'
  readonly data: Uint8Array
  readonly shape: readonly [n: number, h: number, w: number, c: number]
}

export type Images = ImagesNCHW | ImagesNHWC8

/** uint8 step before PSNR/SSIM: `truncate` = the reference's `.to(torch.uint8)`, `round` = PIL/PNG export, `none` = float. */
export type Quantise = 'truncate' | 'round' | 'none'

/** Pixels in [0, 1], NCHW float64: the value space PSNR and SSIM are computed in. */
export interface UnitPixels {
  readonly data: Float64Array
  readonly n: number
  readonly c: number
  readonly h: number
  readonly w: number
}

export function imageShapeNCHW(images: Images): [n: number, c: number, h: number, w: number] {
  if (images.layout === 'nchw-f32-signed') return [...images.shape]
  const [n, h, w, c] = images.shape
  return [n, c, h, w]
}

/** [-1,1] float → [0,1], in float32 steps as the reference's tensors are, then the chosen uint8 step. */
function signedToUnit(x: number, quantise: Quantise): number {
  const clamped = Math.min(1, Math.max(-1, x))
  const unit = Math.fround(Math.fround(clamped + 1) / 2)
  if (quantise === 'none') return unit
  const scaled = Math.fround(unit * 255)
  return (quantise === 'truncate' ? Math.floor(scaled) : Math.round(scaled)) / 255
}

/** Converts either layout to [0,1] NCHW float64. uint8 input is already quantised, so `quantise` does not apply to it. */
export function toUnitPixels(images: Images, quantise: Quantise): UnitPixels {
  const [n, c, h, w] = imageShapeNCHW(images)
  if (images.data.length !== n * c * h * w) {
    throw new Error(`image data has ${images.data.length} values, shape [${images.shape.join(', ')}] needs ${n * c * h * w}`)
  }
  const out = new Float64Array(n * c * h * w)
  if (images.layout === 'nchw-f32-signed') {
    for (let i = 0; i < out.length; i++) out[i] = signedToUnit(images.data[i], quantise)
    return { data: out, n, c, h, w }
  }
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) out[(b * c + ch) * h * w + p] = images.data[(b * h * w + p) * c + ch] / 255
    }
  }
  return { data: out, n, c, h, w }
}

export function assertSameShape(a: UnitPixels, b: UnitPixels): void {
  if (a.n !== b.n || a.c !== b.c || a.h !== b.h || a.w !== b.w) {
    throw new Error(`image batches differ in shape: [${a.n}, ${a.c}, ${a.h}, ${a.w}] vs [${b.n}, ${b.c}, ${b.h}, ${b.w}]`)
  }
}
