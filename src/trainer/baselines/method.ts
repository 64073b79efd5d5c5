// The one shape every compared reconstruction method takes (FlowMo, classic codecs at a matched bit rate, external
// ONNX tokenizers), so compare views, sweeps and the human-rating export treat them alike.
import type { RgbImage } from '../data/images'

/** Plain JSON describing how a method ran (quality chosen, sampler steps, …); goes into manifests as is. */
export type MethodSettings = Readonly<Record<string, string | number | boolean | null>>

/** One image through one method. */
export interface Reconstruction {
  readonly image: RgbImage // same size as the input
  readonly bpp: number // actual bits per pixel spent on this image (codecs: file bytes × 8 / pixels)
  readonly settings: MethodSettings // per-image details, e.g. the codec quality the bit-rate search chose
}

export interface ReconstructContext {
  readonly firstIndex?: number // index of images[0] in the whole set: seeded methods derive each image's noise from it
  readonly signal?: AbortSignal
}

export interface Method {
  readonly id: string // file-name safe, unique within a comparison: 'flowmo', 'jpeg', 'onnx-titok-l32'
  readonly label: string // for people: 'JPEG (mozjpeg) @ 0.0703 bpp'
  readonly settings: MethodSettings // method-wide settings (target BPP, sampler, model file)
  /** Nominal bits per pixel at a square image of `imageSizePx`; for codecs the target of the bit-rate search. */
  bpp(imageSizePx: number): number
  /** Reconstructs square RGB images of one size, in order. */
  reconstruct(images: readonly RgbImage[], context?: ReconstructContext): Promise<Reconstruction[]>
  /** Frees models and sessions. */
  dispose(): Promise<void>
}

/** Lower-case letters, digits, '-', '_' and '.', not starting with '.': safe as a folder name on every OS. */
export function assertMethodId(id: string): string {
  if (!/^[a-z0-9_-][a-z0-9._-]{0,63}$/.test(id)) throw new Error(`method id '${id}' must be 1–64 of [a-z0-9._-], not starting with '.'`)
  return id
}

/** Throws when the images are not all square of one size; returns that size. */
export function commonSquareSize(images: readonly RgbImage[]): number {
  if (images.length === 0) return 0
  const s = images[0].h
  for (const img of images) {
    if (img.h !== s || img.w !== s) throw new Error(`methods take square images of one size: got ${img.h}×${img.w} beside ${s}×${s}`)
  }
  return s
}
