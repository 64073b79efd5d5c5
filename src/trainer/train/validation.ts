// Validation during training: fixed-seed reconstructions of fixed validation images through the one inference
// interface (a PNG grid, originals over reconstructions), PSNR/SSIM on them (per image, uint8-truncated as the
// reference's evaluate.py), the trivial baseline of each image filled with its own mean colour (24 bits per image:
// what any code should beat), and the per-bit balance of the codes (fraction of +1 per bit, 0.5 = balanced).
import type { InferenceModel } from '../inference/inference-model'
import { encodePng, fromModelOutput } from '../data/images'
import { psnr } from '../metrics/psnr'
import { ssim } from '../metrics/ssim'
import { initialNoiseFor } from '../sample/noise'

export const SAMPLE_SEED = 0

export interface ValidationResult {
  psnr: number // dB, mean over images
  ssim: number
  baselinePsnr: number // every pixel of each image = that image's mean colour
  bitBalance: number[] // per bit c: fraction of tokens with bit c = +1
  grid: { png: Uint8Array; rgb: Uint8Array; width: number; height: number }
}

/**
 * x [n, 3, S, S] fixed validation images; reconstructs them through the inference interface (the training weights
 * on tfjs, TfModel.borrow) with their seeded per-image noise, as `flowmo eval` does, and scores them.
 */
export async function validate(model: InferenceModel, x: Float32Array, n: number): Promise<ValidationResult> {
  const { imageSize: S, codeLength: L, contextDim: C } = model.config
  const { code: bits } = await model.encode(x, n)
  const z0 = initialNoiseFor(x, n, S, { seed: SAMPLE_SEED }) // each image's own noise, as eval and the inspector
  const { images: recon } = await model.decode(bits, z0, n) // clipped to [−1, 1], as the metrics clip
  const shape = [n, 3, S, S] as const
  const a = { layout: 'nchw-f32-signed', data: recon, shape } as const
  const b = { layout: 'nchw-f32-signed', data: x, shape } as const
  return {
    psnr: psnr(a, b, { convention: 'per-image', quantise: 'truncate' }).value,
    ssim: ssim(a, b, { variant: 'gaussian-11', quantise: 'truncate' }).value,
    baselinePsnr: psnr({ layout: 'nchw-f32-signed', data: meanColour(x, n, S), shape }, b, { convention: 'per-image', quantise: 'truncate' }).value,
    bitBalance: bitBalance(bits, n * L, C),
    grid: await gridPng(x, recon, n, S),
  }
}

/** x [n, 3, S, S] → each image's every pixel set to that image's mean colour (per channel). */
export function meanColour(x: Float32Array, n: number, S: number): Float32Array {
  const plane = S * S
  const out = new Float32Array(x.length)
  for (let ic = 0; ic < n * 3; ic++) {
    let s = 0
    for (let p = 0; p < plane; p++) s += x[ic * plane + p]
    out.fill(s / plane, ic * plane, (ic + 1) * plane)
  }
  return out
}

export function bitBalance(bits: Float32Array, tokens: number, C: number): number[] {
  const ones = new Array<number>(C).fill(0)
  for (let t = 0; t < tokens; t++) for (let c = 0; c < C; c++) if (bits[t * C + c] > 0) ones[c]++
  return ones.map((k) => k / tokens)
}

/** Originals in the top row, reconstructions below, as one RGB PNG. */
export async function gridPng(x: Float32Array, recon: Float32Array, n: number, S: number) {
  const width = n * S
  const height = 2 * S
  const rgb = new Uint8Array(width * height * 3)
  for (const [row, src] of [x, recon].entries()) {
    for (let i = 0; i < n; i++) {
      const img = fromModelOutput(src.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S)
      for (let y = 0; y < S; y++) rgb.set(img.subarray(y * S * 3, (y + 1) * S * 3), ((row * S + y) * width + i * S) * 3)
    }
  }
  return { png: new Uint8Array(await encodePng(rgb, height, width)), rgb, width, height }
}
