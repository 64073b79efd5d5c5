// Independent recomputations for the inspector tests, written from the definitions rather than shared with the code
// under test: the reference's uint8 truncation, PSNR over one image, |a − b| and the population std per pixel.

/** [−1, 1] → the reference's `.to(torch.uint8)` level 0…255, computed in float32 as its tensors are. */
const level = (v: number): number => Math.floor(Math.fround(Math.fround(Math.fround(Math.min(1, Math.max(-1, v)) + 1) / 2) * 255))

/** PSNR in dB of one CHW image against its original, both in [−1, 1], after uint8 truncation. */
export function psnrOf(image: Float32Array, original: Float32Array): number {
  let se = 0
  for (let i = 0; i < image.length; i++) se += ((level(image[i]) - level(original[i])) / 255) ** 2
  return 10 * Math.log10(1 / (se / image.length))
}

/** Mean over pixels and channels of |a − b| in [0, 1] units (values clipped to [−1, 1]). */
export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  const clip = (v: number) => Math.min(1, Math.max(-1, v))
  let s = 0
  for (let i = 0; i < a.length; i++) s += Math.abs(clip(a[i]) - clip(b[i])) / 2
  return s / a.length
}

/** Per-pixel std over samples (population, [0, 1] units, mean over the three channels) of CHW images [3, hw]. */
export function stdPerPixel(samples: readonly Float32Array[], hw: number): number[] {
  const clip = (v: number) => Math.min(1, Math.max(-1, v))
  return Array.from({ length: hw }, (_, i) => {
    let sum = 0
    for (let c = 0; c < 3; c++) {
      const xs = samples.map((x) => clip(x[c * hw + i]) / 2)
      const m = xs.reduce((a, b) => a + b, 0) / xs.length
      sum += Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length)
    }
    return sum / 3
  })
}
