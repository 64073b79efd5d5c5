// Request schemas of the evaluation jobs (src/shared/payloads/jobs.ts). Paths are checked again by the engine's file policy.
import { s, type Schema } from '../schema'
import type { MethodChoice } from './jobs'
import { samplingSchema } from './inspect-schemas'

const path = s.string(4096)
const metrics = s.optional(s.array(s.literal('psnr', 'ssim', 'lpips', 'lpips-alex', 'lpips-vgg', 'fid', 'kid', 'fid-proxy', 'kid-proxy'), 9))
const inferencePath = s.optional(s.literal('auto', 'onnxruntime', 'tfjs'))
const seed = s.optional(s.integer({ min: 0, max: 2 ** 32 - 1 }))
const model = s.object({ checkpoint: path, config: s.optional(path), stateDict: s.optional(s.literal('ema', 'raw')) })

const sigmaIntervalOrNull: Schema<readonly [number, number] | null> = {
  describe: 'null or [lo, hi] with 0 ≤ lo ≤ hi',
  check(value, p) {
    if (value === null) return null
    const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
    return ok && value[0] <= value[1] ? null : `${p}: expected null or [lo, hi] with 0 ≤ lo ≤ hi`
  },
}

const methodChoice: Schema<MethodChoice> = {
  describe: '"flowmo", "jpeg", "webp", "avif", { flowmo: checkpoint, label? } or { onnx: folder }',
  check(value, p) {
    if (value === 'flowmo' || value === 'jpeg' || value === 'webp' || value === 'avif') return null
    const onnx = s.object({ onnx: path })
    const flowmo = s.object({ flowmo: path, label: s.optional(s.string(64)) })
    if (onnx.check(value, p) === null || flowmo.check(value, p) === null) return null
    return `${p}: expected "flowmo", "jpeg", "webp", "avif", { flowmo: checkpoint, label? } or { onnx: folder }`
  },
}

const methodsFields = {
  model: s.optional(model),
  methods: s.array(methodChoice, 16),
  images: s.array(path, 10_000),
  sampling: s.optional(samplingSchema),
  seed,
  targetBpp: s.optional(s.number({ min: 1e-4, max: 64 })),
}

export const jobSchemas = {
  evaluate: s.object({
    model, data: path, n: s.optional(s.integer({ min: 1 })), sampling: s.optional(samplingSchema), seed, metrics,
    psnr: s.optional(s.literal('per-image', 'batch-pooled')), quantise: s.optional(s.literal('truncate', 'round', 'none')),
    ssim: s.optional(s.literal('skimage-default-7x7', 'gaussian-11')), batchSize: s.optional(s.integer({ min: 1, max: 256 })),
    weightsDir: s.optional(path), out: s.optional(path), path: inferencePath,
  }),
  sweep: s.object({
    model, data: path,
    grid: s.object({
      steps: s.optional(s.array(s.integer({ min: 1, max: 10_000 }), 64)),
      rho: s.optional(s.array(s.number({ min: 0.05, max: 100 }), 64)),
      cfg: s.optional(s.array(s.number({ min: 0, max: 100 }), 64)),
      interval: s.optional(s.array(sigmaIntervalOrNull, 64)),
    }),
    limit: s.optional(s.integer({ min: 1 })), seed, metrics, batchSize: s.optional(s.integer({ min: 1, max: 256 })),
    gridImages: s.optional(s.integer({ min: 0, max: 64 })), weightsDir: s.optional(path), out: s.optional(path), path: inferencePath,
  }),
  openSweep: s.object({ path }),
  diffEvalReports: s.object({ a: path, b: path }),
  codeStats: s.object({ model, data: path, limit: s.optional(s.integer({ min: 1 })), group: s.optional(s.integer({ min: 1, max: 52 })), path: inferencePath }),
  compare: s.object({
    ...methodsFields, imageSizePx: s.optional(s.integer({ min: 8, max: 4096 })),
    metrics: s.optional(s.array(s.literal('lpips', 'fid', 'kid', 'fid-proxy', 'kid-proxy'), 5)), weightsDir: s.optional(path),
  }),
  exportRatings: s.object({
    ...methodsFields, out: path, title: s.optional(s.string(200)), imageSizePx: s.optional(s.integer({ min: 8, max: 4096 })),
  }),
  importRatings: s.object({
    exportDir: path, ratings: s.array(path, 1000), minMs: s.optional(s.number({ min: 0 })),
    requireFlip: s.optional(s.boolean()), out: s.optional(path),
  }),
}
