// Training augmentation beyond the reference's T.RandomCrop, for small photo sets: a square of a random share of
// the shorter side (never below the model size, so nothing is upsampled), resized to the model size (antialiased
// bilinear), and a horizontal flip half of the time. Off unless a run asks for it (`--augment`).
import { crop, type RgbImage } from './images'
import { resizeBilinear } from './resample'
import type { Rng } from './rng'

export interface Augmentation {
  minScale: number // smallest crop side as a share of the shorter side, e.g. 0.5
  flip: boolean // mirror left–right with probability ½
}

export const PHOTO_AUGMENTATION: Augmentation = { minScale: 0.5, flip: true }

/** A random c×c window, c uniform in [max(S, ⌈minScale·short⌉), short], resized to S×S; then maybe mirrored. */
export function augmentedCrop(img: RgbImage, sizePx: number, rng: Rng, a: Augmentation): RgbImage {
  const short = Math.min(img.h, img.w)
  if (short < sizePx) throw new Error(`cannot crop ${sizePx}px from a ${img.h}×${img.w} image`)
  const lo = Math.max(sizePx, Math.ceil(a.minScale * short))
  const c = lo + rng.nextInt(short - lo + 1)
  const top = rng.nextInt(img.h - c + 1)
  const left = rng.nextInt(img.w - c + 1)
  const window = crop(img, top, left, c)
  const out = c === sizePx ? window : { rgb: resizeBilinear(window.rgb, c, c, sizePx, sizePx), h: sizePx, w: sizePx }
  return a.flip && rng.nextFloat() < 0.5 ? mirror(out) : out
}

/** Left–right mirror of HWC RGB. */
export function mirror(img: RgbImage): RgbImage {
  const rgb = new Uint8Array(img.rgb.length)
  for (let y = 0; y < img.h; y++) {
    for (let x = 0; x < img.w; x++) {
      const from = (y * img.w + x) * 3
      const to = (y * img.w + (img.w - 1 - x)) * 3
      rgb[to] = img.rgb[from]
      rgb[to + 1] = img.rgb[from + 1]
      rgb[to + 2] = img.rgb[from + 2]
    }
  }
  return { rgb, h: img.h, w: img.w }
}
