// Request schemas of the Generate calls (src/shared/payloads/generate.ts). Paths are checked again by the engine's file policy.
import { s, type Schema } from '../schema'
import type { GeneratorSizes } from './generate'

const path = s.string(4096)
const id = s.string(100)
const count = (max: number) => s.optional(s.integer({ min: 1, max }))

const sizes = s.object({ hiddenSize: s.integer({ min: 1, max: 16384 }), depth: s.integer({ min: 1, max: 256 }), numHeads: s.integer({ min: 1, max: 256 }), mlpSize: s.integer({ min: 1, max: 65536 }) })
const preset: Schema<string | GeneratorSizes> = {
  describe: 'a preset name (maskgit-tiny, maskgit-paper) or { hiddenSize, depth, numHeads, mlpSize }',
  check: (v, p) => (typeof v === 'string' && v.length <= 100) || sizes.check(v, p) === null ? null : `${p}: expected ${preset.describe}`,
}

export const generateSchemas = {
  encodeCodes: s.object({ modelId: id, data: path, out: path, flip: s.optional(s.boolean()) }),
  trainGenerator: s.object({
    codes: path, out: path, preset: s.optional(preset), resume: s.optional(s.boolean()),
    maxSteps: count(100_000_000), batchSize: count(4096), lr: s.optional(s.number({ min: 0, max: 1 })), checkpointEvery: count(100_000_000),
    seed: s.optional(s.integer({ min: 0, max: 2 ** 32 - 1 })), engine: s.optional(s.literal('tfjs', 'onnxruntime')),
  }),
  generatorInfo: s.object({ run: path }),
  generate: s.object({
    modelId: id, run: path, out: path, n: s.integer({ min: 1, max: 100_000 }),
    sampling: s.object({
      steps: s.integer({ min: 1, max: 1024 }), temperature: s.number({ min: 0, max: 1000 }), annealing: s.boolean(),
      guidance: s.number({ min: 0, max: 100 }), guidanceSchedule: s.literal('linear', 'constant'), seed: s.integer({ min: 0, max: 2 ** 32 - 1 }),
    }),
    className: s.optional(s.string(1000)), decodeSteps: count(1000), timelineIndex: s.optional(s.integer({ min: 0 })),
  }),
  genEval: s.object({ samples: path, ref: path, proxy: s.optional(s.boolean()), weightsDir: s.optional(path) }),
}
