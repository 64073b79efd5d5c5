// Methods side by side on the same images, in memory: every reconstruction with its actual BPP, PSNR and SSIM
// against the original (the metrics the rating export writes into its manifest), and when networks are given, LPIPS
// per image and rFID/KID (or their proxies) over the set (compare-metrics.ts). What a compare view shows.
import type { RgbImage } from '../data/images'
import { psnr } from '../metrics/psnr'
import { ssim } from '../metrics/ssim'
import { methodMetrics, NO_NETWORKS, originalFeatures, signedImages, type CompareNetworks } from './compare-metrics'
import type { Method, MethodSettings, Reconstruction } from './method'

export interface Scored extends Reconstruction {
  readonly psnr: number // dB on 8-bit RGB; Infinity when identical
  readonly ssim: number // skimage defaults (7×7 uniform, sample covariance), as the reference's evaluate.py
  readonly lpips?: Readonly<Record<string, number>> // per LPIPS net that ran ('alex', 'vgg'); absent when none did
}

export interface MethodComparison {
  readonly id: string
  readonly label: string
  readonly settings: MethodSettings
  readonly nominalBpp: number // Method.bpp at the images' size (codecs: the target)
  readonly meanBpp: number // actual, over the images
  readonly meanPsnr: number
  readonly meanSsim: number
  readonly metrics: Readonly<Record<string, number>> // as eval's report: lpips_<net> (mean), fid | fid_proxy, kid | kid_proxy (over the set)
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>> // per metric: network, KID std and subsets, FID mean term
  readonly reconstructions: readonly Scored[] // in image order
}

export interface CompareOptions {
  readonly onProgress?: (done: number, total: number, method: string) => void // after each method
  readonly onImages?: (done: number, total: number, method: string) => void // after each chunk of images: reconstructions of all methods so far
  readonly signal?: AbortSignal
  readonly networks?: CompareNetworks // LPIPS and feature networks (openCompareNetworks); default none: PSNR/SSIM only
}

/** PSNR and SSIM of one reconstruction against its original (same size, 8-bit RGB). */
export function reconstructionScores(rec: RgbImage, original: RgbImage): { psnr: number; ssim: number } {
  const x = { layout: 'nhwc-u8', data: rec.rgb, shape: [1, rec.h, rec.w, 3] } as const
  const y = { layout: 'nhwc-u8', data: original.rgb, shape: [1, original.h, original.w, 3] } as const
  return {
    psnr: psnr(x, y, { convention: 'per-image', quantise: 'none' }).value,
    ssim: ssim(x, y, { variant: 'skimage-default-7x7', quantise: 'none' }).value,
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

const CHUNK_IMAGES = 8 // images per reconstruct call; results do not depend on it (FlowMo keys each image's noise by the image)

/** Method number `index` of `count` on every image; onImages counts reconstructions over all methods. */
async function reconstructInChunks(m: Method, index: number, count: number, images: readonly RgbImage[], options: CompareOptions): Promise<Reconstruction[]> {
  const out: Reconstruction[] = []
  for (let first = 0; first < images.length; first += CHUNK_IMAGES) {
    out.push(...(await m.reconstruct(images.slice(first, first + CHUNK_IMAGES), { firstIndex: first, signal: options.signal })))
    options.onImages?.(index * images.length + out.length, count * images.length, m.id)
  }
  return out
}

/** Runs every method on all images (square, one size) and scores each reconstruction. */
export async function compareMethods(images: readonly RgbImage[], methods: readonly Method[], options: CompareOptions = {}): Promise<MethodComparison[]> {
  if (images.length === 0) throw new Error('compare needs at least one image')
  const nets = options.networks ?? NO_NETWORKS
  const originals = signedImages(images)
  const fx = await originalFeatures(nets, originals)
  const out: MethodComparison[] = []
  for (const m of methods) {
    options.signal?.throwIfAborted()
    const nominalBpp = m.bpp(images[0].h)
    const recs = await reconstructInChunks(m, out.length, methods.length, images, options)
    const { perImageLpips, metrics, details } = await methodMetrics(nets, originals, fx, recs.map((r) => r.image))
    const reconstructions = recs.map((r, i): Scored => ({
      ...r, ...reconstructionScores(r.image, images[i]), ...(nets.lpips.length > 0 && { lpips: perImageLpips[i] }),
    }))
    out.push({
      id: m.id, label: m.label, settings: m.settings, nominalBpp,
      meanBpp: mean(reconstructions.map((r) => r.bpp)), meanPsnr: mean(reconstructions.map((r) => r.psnr)), meanSsim: mean(reconstructions.map((r) => r.ssim)),
      metrics, details, reconstructions,
    })
    options.onProgress?.(out.length, methods.length, m.id)
  }
  return out
}
