// One image from disk to model input and back, as the reference's data.py: PIL `.convert("RGB")` →
// T.Resize(size) (shorter side, antialiased bilinear) → T.CenterCrop / T.RandomCrop → x = pixel/127.5 − 1.
import { stat } from 'node:fs/promises'
import { writeFileAtomic } from '../atomic-file'
import sharp from 'sharp'
import { RpcError } from '../../shared/rpc'
import { resizeBilinear } from './resample'
import type { Rng } from './rng'

/** 8-bit RGB pixels, HWC (`[h, w, 3]`), the layout images travel in across the app. */
export interface RgbImage {
  readonly rgb: Uint8Array
  readonly h: number
  readonly w: number
}

const SHARP_INPUT = { ignoreIcc: true, failOn: 'error' } as const // as PIL: no ICC transform; truncation is an error

/** Pillow's cmyk2rgb (Convert.c): channel = (255 − k) − c·(255 − k)/255, in its integer arithmetic. */
function cmykToRgb(cmyk: Uint8Array, channels: number, h: number, w: number): Uint8Array {
  const rgb = new Uint8Array(h * w * 3)
  for (let i = 0; i < h * w; i++) {
    const nk = 255 - cmyk[i * channels + 3]
    for (let c = 0; c < 3; c++) {
      const t = cmyk[i * channels + c] * nk + 128
      rgb[i * 3 + c] = nk - (((t >> 8) + t) >> 8) // MULDIV255; never below 0
    }
  }
  return rgb
}

/** Checked from the header before any pixel is decoded: a decompression bomb, a 1×20000 strip (its resize to the
 * model size would take gigabytes). */
export const IMAGE_LIMITS = { maxPixels: 100_000_000, maxAspect: 64 } as const

/** An image that cannot be used; the message is one line naming the file (or upload) and the reason. */
export class BadImageError extends RpcError {
  override readonly name = 'BadImageError'
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`, 'bad-image')
  }
}

/** Why the header's image is refused before decoding, or null. */
export function headerProblem(meta: { readonly width?: number; readonly height?: number }): string | null {
  const [w, h] = [meta.width ?? 0, meta.height ?? 0]
  if (w < 1 || h < 1) return 'not an image (no size in its header)'
  if (w * h > IMAGE_LIMITS.maxPixels) return `${w}×${h} is ${(w * h / 1e6).toFixed(0)} megapixels, over the ${IMAGE_LIMITS.maxPixels / 1e6} MP limit`
  const aspect = Math.max(w, h) / Math.min(w, h)
  if (aspect > IMAGE_LIMITS.maxAspect) return `${w}×${h} has an aspect ratio of ${aspect.toFixed(0)}:1, over the ${IMAGE_LIMITS.maxAspect}:1 limit`
  return null
}

/** sharp's error as a reason a user can read. */
function decodeFailure(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  if (/Input file is missing/i.test(msg)) return 'does not exist'
  if (/unsupported image format/i.test(msg)) return 'not an image (unknown format)'
  if (/pixel limit/i.test(msg)) return `over the ${IMAGE_LIMITS.maxPixels / 1e6} MP limit`
  return `corrupt or truncated image (${msg.split('\n')[0]})`
}

/**
 * Decode a file, or an upload's bytes named `name`, to 8-bit RGB like PIL's `Image.open(p).convert("RGB")` — the one
 * decode path of paths and uploads (measured bit-exact with Pillow 9.4 on PNG, JPEG, WebP, gray, RGBA, 16-bit RGB and
 * CMYK): EXIF orientation is NOT applied and ICC profiles are ignored (PIL does neither); grayscale and palettes become
 * RGB, alpha is dropped (not flattened), 16-bit keeps the high byte (for 16-bit grayscale PIL clips the 16-bit value
 * instead; we keep the high byte there too), an animated image gives its first frame. The header is checked against
 * IMAGE_LIMITS before decoding; truncated data and anything else unusable throw a BadImageError.
 */
export async function decodeImage(source: string | Uint8Array, name = typeof source === 'string' ? source : 'image'): Promise<RgbImage> {
  const input = typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength)
  const open = () => sharp(input, { ...SHARP_INPUT, limitInputPixels: IMAGE_LIMITS.maxPixels }) // one page: the first frame
  const bytes = typeof source === 'string' ? (await stat(source).catch(() => null))?.size : source.byteLength
  if (bytes === undefined) throw new BadImageError(name, 'does not exist')
  if (bytes === 0) throw new BadImageError(name, 'empty file (0 bytes)')
  try {
    const meta = await sharp(input, { limitInputPixels: false }).metadata() // the header only: its size is checked here
    const problem = headerProblem(meta)
    if (problem) throw new BadImageError(name, problem)
    if (meta.space === 'cmyk') {
      // libvips would go through an ICC profile; PIL uses plain arithmetic on the stored CMYK values
      const { data, info } = await open().pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true })
      if (info.channels < 4 || data.length !== info.width * info.height * info.channels) throw new BadImageError(name, 'unsupported CMYK layout')
      return { rgb: cmykToRgb(data, info.channels, info.height, info.width), h: info.height, w: info.width }
    }
    const { data, info } = await open().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new BadImageError(name, `decoded to ${info.channels} channels, expected 3`)
    return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), h: info.height, w: info.width }
  } catch (e) {
    throw e instanceof BadImageError ? e : new BadImageError(name, decodeFailure(e))
  }
}

/** T.Resize(sizePx) on a PIL image: the shorter side becomes sizePx, the longer `int(sizePx·long/short)`. */
export function resizeShorterSide(img: RgbImage, sizePx: number): RgbImage {
  const [h, w] = img.w <= img.h ? [Math.trunc((sizePx * img.h) / img.w), sizePx] : [sizePx, Math.trunc((sizePx * img.w) / img.h)]
  if (h === img.h && w === img.w) return img
  return { rgb: resizeBilinear(img.rgb, img.h, img.w, h, w), h, w }
}

/** The [sizePx, sizePx] window with its top-left corner at (top, left). */
export function crop(img: RgbImage, top: number, left: number, sizePx: number): RgbImage {
  if (top < 0 || left < 0 || top + sizePx > img.h || left + sizePx > img.w) {
    throw new Error(`crop ${sizePx}px at (${top}, ${left}) does not fit a ${img.h}×${img.w} image`)
  }
  const rgb = new Uint8Array(sizePx * sizePx * 3)
  for (let y = 0; y < sizePx; y++) {
    const from = ((top + y) * img.w + left) * 3
    rgb.set(img.rgb.subarray(from, from + sizePx * 3), y * sizePx * 3)
  }
  return { rgb, h: sizePx, w: sizePx }
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v)
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** T.CenterCrop: offsets `int(round((h − size) / 2))`, Python rounding (half to even). */
export function centerCrop(img: RgbImage, sizePx: number): RgbImage {
  return crop(img, roundHalfEven((img.h - sizePx) / 2), roundHalfEven((img.w - sizePx) / 2), sizePx)
}

/** T.RandomCrop: top then left, each uniform over every position that fits. */
export function randomCrop(img: RgbImage, sizePx: number, rng: Rng): RgbImage {
  if (img.h < sizePx || img.w < sizePx) throw new Error(`cannot crop ${sizePx}px from a ${img.h}×${img.w} image`)
  const top = rng.nextInt(img.h - sizePx + 1)
  const left = rng.nextInt(img.w - sizePx + 1)
  return crop(img, top, left, sizePx)
}

/** HWC uint8 → CHW float32 [3, h, w] with x = pixel/127.5 − 1, as the reference. */
export function toModelInput(rgb: Uint8Array, h: number, w: number): Float32Array {
  const x = new Float32Array(3 * h * w)
  const hw = h * w
  for (let i = 0; i < hw; i++) {
    x[i] = rgb[i * 3] / 127.5 - 1
    x[hw + i] = rgb[i * 3 + 1] / 127.5 - 1
    x[2 * hw + i] = rgb[i * 3 + 2] / 127.5 - 1
  }
  return x
}

/**
 * CHW float [3, h, w] → HWC uint8: clip to [−1, 1], map to [0, 255], round half up (floor(v + 0.5); the only
 * exact half in fp32 is x = 0 → 128), so fromModelOutput(toModelInput(p)) == p. NaN becomes 0. Metrics that
 * follow the reference's uint8 truncation (evaluate.py) do their own mapping.
 */
export function fromModelOutput(chw: Float32Array, h: number, w: number): Uint8Array {
  const hw = h * w
  if (chw.length !== 3 * hw) throw new Error(`expected 3×${h}×${w} values, got ${chw.length}`)
  const rgb = new Uint8Array(hw * 3)
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      const v = Math.min(1, Math.max(-1, chw[c * hw + i])) // NaN stays NaN; the Uint8Array stores it as 0
      rgb[i * 3 + c] = Math.floor((v + 1) * 127.5 + 0.5)
    }
  }
  return rgb
}

/** Lossless PNG of HWC RGB. */
export function encodePng(rgb: Uint8Array, h: number, w: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
}

/** Write a PNG atomically (atomic-file.ts), so a reader never sees half a file. */
export async function writePng(path: string, rgb: Uint8Array, h: number, w: number): Promise<void> {
  await writeFileAtomic(path, await encodePng(rgb, h, w))
}

/** decode → resize shorter side → crop → [3, sizePx, sizePx] in [−1, 1]. `random` needs an rng. */
export async function loadImageTensor(path: string, sizePx: number, cropMode: 'center' | 'random', rng?: Rng): Promise<Float32Array> {
  const resized = resizeShorterSide(await decodeImage(path), sizePx)
  if (cropMode === 'center') return toModelInput(centerCrop(resized, sizePx).rgb, sizePx, sizePx)
  if (!rng) throw new Error('a random crop needs an rng')
  const img = randomCrop(resized, sizePx, rng)
  return toModelInput(img.rgb, sizePx, sizePx)
}
