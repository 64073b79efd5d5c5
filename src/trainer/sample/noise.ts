// Seeded Gaussian noise for the sampler's initial state z0 (and the variance / bit-flip views, which need the
// same noise again): Box–Muller over the xoshiro128** stream, so a seed gives the same noise on every backend.
import { Rng } from '../data/rng'

/** n draws of N(0, 1) as float32. */
export function gaussianNoise(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.nextFloat() // (0, 1]: log stays finite
    const u2 = rng.nextFloat()
    const r = Math.sqrt(-2 * Math.log(u1))
    out[i] = r * Math.cos(2 * Math.PI * u2)
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2)
  }
  return out
}

/** z0 for image `index` of a request seeded with `seed`: independent of batch size and batch position. */
export function initialNoise(seed: number, index: number, imageSize: number): Float32Array {
  return gaussianNoise(3 * imageSize * imageSize, Rng.fromSeed(seed, index))
}

/** z0 [B, 3, S, S] for images firstIndex … firstIndex+B−1 of a request seeded with `seed`. */
export function initialNoiseBatch(seed: number, firstIndex: number, batch: number, imageSize: number): Float32Array {
  const n = 3 * imageSize * imageSize
  const z0 = new Float32Array(batch * n)
  for (let b = 0; b < batch; b++) z0.set(initialNoise(seed, firstIndex + b, imageSize), b * n)
  return z0
}
