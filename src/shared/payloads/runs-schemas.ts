// Request schemas of the run calls (src/shared/payloads/runs.ts). Paths are checked again by the engine's file policy.
import { s, type Schema } from '../schema'

const path = s.string(4096)
const id = s.string(100)
const count = (max: number) => s.optional(s.integer({ min: 1, max }))

function nullable<T>(inner: Schema<T>): Schema<T | null> {
  const describe = `null or ${inner.describe}`
  return { describe, check: (v, p) => (v === null || inner.check(v, p) === null ? null : `${p}: expected ${describe}, got ${String(v)}`) }
}

export const runSchemas = {
  startRun: s.object({
    data: path, val: s.optional(path), out: path, preset: s.optional(s.string(100)), config: s.optional(path),
    stage: s.optional(s.literal('1a', '1b')), init: s.optional(path), initStateDict: s.optional(s.literal('raw', 'ema')),
    resume: s.optional(s.boolean()),
    maxSteps: count(100_000_000), batchSize: count(4096), gradAccumulation: count(256),
    lr: s.optional(s.number({ min: 0, max: 1 })), seed: s.optional(s.integer({ min: 0, max: 2 ** 32 - 1 })),
    logEvery: count(1_000_000), sampleEvery: count(100_000_000), valEvery: count(100_000_000), checkpointEvery: count(100_000_000),
    keepLast: count(10_000), keepEvery: s.optional(nullable(s.integer({ min: 1 }))), valImages: count(1024),
    evalWeights: s.optional(s.literal('raw', 'ema')), freezeEncoderAfter: s.optional(nullable(s.integer({ min: 0 }))),
    timeDistribution: s.optional(s.literal('fat_lognormal', 'lognormal', 'uniform')), chainSteps: count(1000),
    perceptual: s.optional(s.literal('none', 'lpips-vgg', 'resnet50', 'proxy')), perceptualWeight: s.optional(s.number({ min: 0, max: 1000 })),
    weightsDir: s.optional(path), allowPerceptualFallback: s.optional(s.boolean()), engine: s.optional(s.literal('tfjs', 'onnxruntime')),
    augment: s.optional(s.boolean()),
  }),
  stopRun: s.object({ runId: id }),
  listRuns: s.none,
  openRunFolder: s.object({ dir: path }),
  listAblations: s.object({ dir: path }),
  runSample: s.object({ dir: path, step: s.integer({ min: 0 }) }),
  trainingDefaults: s.none,
}
