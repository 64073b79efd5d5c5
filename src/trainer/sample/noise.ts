// Seeded Gaussian noise for the sampler's initial state z0 (and the variance / bit-flip views, which need the
// same noise again): Box–Muller over the xoshiro128** stream, so a seed gives the same noise on every backend.
// An image's z0 is keyed by the image itself (a hash of its 8-bit model input) and the seed, so the same image gets
// the same reconstruction in the inspector, eval, sweeps, compare and ratings, wherever it sits in a folder or batch.
// The reference instead draws torch.randn(B, 3, H, W) per batch (spec §4): its noise follows the batch position;
// 'index' keys z0 by the image's position in the request for runs that must follow the reference's order.
import { createHash } from 'node:crypto'
import { Rng } from '../data/rng'

/** How an image's z0 is keyed: 'image' = its content and the seed (default); 'index' = its position and the seed. */
export type NoiseKeying = 'image' | 'index'

export const NOISE_KEYINGS: readonly NoiseKeying[] = ['image', 'index']

/** The protocol card's words for each keying. */
export const NOISE_METHODS: Readonly<Record<NoiseKeying, string>> = {
  image: 'per image: z0 seeded by (seed, SHA-256 of the 8-bit model input), the same wherever the image sits',
  index: 'per position: z0 seeded by (seed, image index in the sorted set), as the reference\'s batch-order noise',
}

const IMAGE_STREAM = 0x1ae6 // keeps image-keyed streams apart from index-keyed ones (fromSeed(seed, index))

export interface NoiseOptions {
  readonly seed?: number // default 0
  readonly noise?: NoiseKeying // default 'image'
  readonly firstIndex?: number // position of the first image in the whole request, for 'index'; default 0
}

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

/** An image's identity, 48 bits: SHA-256 of its model input x [3, S, S] in [−1, 1] rounded to 8-bit pixels, so
 * float round-off in how the pixels reached [−1, 1] cannot change it. */
export function imageIdentity(x: Float32Array): number {
  const pixels = new Uint8Array(x.length)
  for (let i = 0; i < x.length; i++) pixels[i] = Math.round((Math.min(1, Math.max(-1, x[i])) + 1) * 127.5)
  return createHash('sha256').update(pixels).digest().readUIntBE(0, 6)
}

/** z0 [3, S, S] of the image whose identity is `identity` (imageIdentity). */
export function imageNoise(seed: number, identity: number, imageSize: number): Float32Array {
  return gaussianNoise(3 * imageSize * imageSize, Rng.fromSeed(seed, IMAGE_STREAM, identity))
}

/** z0 [3, S, S] for image `index` of a request seeded with `seed`: independent of batch size and batch position. */
export function initialNoise(seed: number, index: number, imageSize: number): Float32Array {
  return gaussianNoise(3 * imageSize * imageSize, Rng.fromSeed(seed, index))
}

/** z0 [B, 3, S, S] for rows firstIndex … firstIndex+B−1 of a request that has no images to key by (decoding stored codes). */
export function initialNoiseBatch(seed: number, firstIndex: number, batch: number, imageSize: number): Float32Array {
  const n = 3 * imageSize * imageSize
  const z0 = new Float32Array(batch * n)
  for (let b = 0; b < batch; b++) z0.set(initialNoise(seed, firstIndex + b, imageSize), b * n)
  return z0
}

/** z0 [3, S, S] of one image (its imageIdentity and its index in the request), keyed as `keying` says. */
export function noiseOf(image: { identity: number; index: number }, seed: number, keying: NoiseKeying, imageSize: number): Float32Array {
  return keying === 'image' ? imageNoise(seed, image.identity, imageSize) : initialNoise(seed, image.index, imageSize)
}

/** z0 [B, 3, S, S] for the B images x [B, 3, S, S], each keyed as `o.noise` says. */
export function initialNoiseFor(x: Float32Array, batch: number, imageSize: number, o: NoiseOptions = {}): Float32Array {
  const n = 3 * imageSize * imageSize
  if (x.length !== batch * n) throw new Error(`x holds ${x.length} values, [${batch}, 3, ${imageSize}, ${imageSize}] needs ${batch * n}`)
  const keying = o.noise ?? 'image'
  const z0 = new Float32Array(batch * n)
  for (let b = 0; b < batch; b++) {
    const identity = keying === 'image' ? imageIdentity(x.subarray(b * n, (b + 1) * n)) : 0
    z0.set(noiseOf({ identity, index: (o.firstIndex ?? 0) + b }, o.seed ?? 0, keying, imageSize), b * n)
  }
  return z0
}
