// Request schemas of the inspector calls (src/shared/payloads/inspect.ts). Ranges that depend on the opened model
// (token < L, bit < C, image ids) are checked again by the engine when it resolves the ids.
import { s, type Schema } from '../schema'
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, type SamplingRequest } from './inspect'

const id = s.string(100)

/** Guidance interval in EDM σ: null, or [lo, hi] with 0 ≤ lo ≤ hi. */
const sigmaInterval: Schema<readonly [number, number] | null> = {
  describe: 'null or [lo, hi] with 0 ≤ lo ≤ hi',
  check(value, path) {
    if (value === null) return null
    const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
    return ok && value[0] <= value[1] ? null : `${path}: expected null or [lo, hi] with 0 ≤ lo ≤ hi`
  },
}

export const samplingSchema: Schema<SamplingRequest> = s.object({
  steps: s.integer({ min: 1, max: 1000 }),
  rho: s.number({ min: 0.05, max: 100 }),
  cfg: s.number({ min: 0, max: 100 }),
  interval: sigmaInterval,
})

const decodeFields = {
  modelId: id,
  imageId: id,
  sampling: samplingSchema,
  seed: s.integer({ min: 0, max: 2 ** 32 - 1 }),
}

export const inspectSchemas = {
  openModel: s.object({
    path: s.string(4096),
    config: s.optional(s.string(4096)),
    stateDict: s.optional(s.literal('ema', 'raw')),
  }),
  closeModel: s.object({ modelId: id }),
  modelInput: s.object({ modelId: id, imageId: id }),
  openImages: s.object({
    paths: s.optional(s.array(s.string(4096), 1000)),
    uploads: s.optional(s.array(id, 100)),
  }),
  beginUpload: s.object({ name: s.string(1000), size: s.integer({ min: 0 }) }), // the engine refuses sizes over MAX_UPLOAD_BYTES by name
  uploadChunk: s.object({ uploadId: id, offset: s.integer({ min: 0, max: MAX_UPLOAD_BYTES }), bytes: s.uint8Array(UPLOAD_CHUNK_BYTES) }),
  reconstruct: s.object(decodeFields),
  sampleVariance: s.object({ ...decodeFields, k: s.integer({ min: 2, max: 64 }) }),
  flipBits: s.object({
    ...decodeFields,
    flips: s.array(s.object({ token: s.integer({ min: 0, max: 65_535 }), bit: s.integer({ min: 0, max: 1023 }) }), 4096),
  }),
  bitAtlas: s.object({ ...decodeFields, subset: s.optional(s.integer({ min: 1, max: 1 << 20 })) }),
  trajectory: s.object(decodeFields),
  tokenMap: s.object({ ...decodeFields, replacement: s.literal('null', 'random', 'other'), otherImageId: s.optional(id) }),
  mixTokens: s.object({ ...decodeFields, otherImageId: id, fromA: s.array(s.integer({ min: 0, max: 65_535 }), 65_536) }),
  codeBalance: s.object({ modelId: id, imageIds: s.array(id, 10_000) }),
  listFiles: s.object({ dir: s.optional(s.string(4096)) }),
  bundled: s.none,
}
