// Inputs of test/fixtures/metrics/make_reference.py, rebuilt here by the same formulas (mulberry32 draws, same operation order),
// plus its committed reference numbers.
import { readFileSync } from 'node:fs'
import type { ImagesNCHW } from '../../../src/trainer/metrics/images'

export const fixtureDir = new URL('../../fixtures/metrics/', import.meta.url).pathname

export interface FrechetCase {
  n: number
  d: number
  mu1: number[]
  sigma1Diag: number[]
  sigma1Row0: number[]
  eigenvalues1: number[]
  fidSqrtm: number
  fidEigh: number
}

export interface Reference {
  images: {
    shape: [number, number, number, number]
    psnr: Record<string, Record<string, number>>
    ssim: Record<string, Record<string, number>>
  }
  frechet: Record<string, FrechetCase>
  kid: { n: number; d: number; subsets: { x: number[]; y: number[] }[]; values: number[]; mean: number; std: number }
}

export const reference = JSON.parse(readFileSync(`${fixtureDir}reference.json`, 'utf8')) as Reference

/** Seeded uniform [0, 1) generator (mulberry32), reproduced exactly by make_reference.py. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function uniforms(seed: number, count: number): Float64Array {
  const rand = mulberry32(seed)
  return Float64Array.from({ length: count }, rand)
}

/** make_images(): gt = clip(0.6 sin(0.31x + 0.17y + 0.9c + 1.7n) + 0.4(2u − 1)), rec = clip(gt + 0.15(2v − 1)), both float32. */
export function referenceImages(): { rec: ImagesNCHW; gt: ImagesNCHW } {
  const shape = reference.images.shape
  const [N, C, H, W] = shape
  const u = uniforms(11, N * C * H * W)
  const v = uniforms(12, N * C * H * W)
  const gt = new Float32Array(N * C * H * W)
  const rec = new Float32Array(N * C * H * W)
  const clip = (x: number): number => Math.min(1, Math.max(-1, x))
  for (let i = 0; i < gt.length; i++) {
    const [n, c, y, x] = [Math.floor(i / (C * H * W)), Math.floor(i / (H * W)) % C, Math.floor(i / W) % H, i % W]
    const wave = 0.6 * Math.sin(0.31 * x + 0.17 * y + 0.9 * c + 1.7 * n)
    gt[i] = clip(wave + 0.4 * (2 * u[i] - 1))
    rec[i] = clip(gt[i] + 0.15 * (2 * v[i] - 1))
  }
  return { rec: { layout: 'nchw-f32-signed', data: rec, shape }, gt: { layout: 'nchw-f32-signed', data: gt, shape } }
}

/** features(): x[i, j] = scale·u[i, j] + a·u[i, (j + b) % d] + shift·j / d, [n, d] row-major. */
export function referenceFeatures(seed: number, n: number, d: number, a: number, b: number, shift: number, scale: number): Float64Array {
  const u = uniforms(seed, n * d)
  const out = new Float64Array(n * d)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = scale * u[i * d + j] + a * u[i * d + ((j + b) % d)] + (shift * j) / d
  }
  return out
}

/** max |a − b| / max(1, |b|) over two equal-length lists. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])))
  return worst
}
