// The MaskGiT generator end to end on a tiny shape: it over-fits 8 sequences (one class each) to the smoothed-CE floor,
// then the sampler at temperature 0 rebuilds each class's sequence; temperature 0 ignores the seed, temperature > 0 does
// not; guided temperature-0 sampling is deterministic too; resume works; tensors do not leak across steps.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { Rng } from '../../../src/trainer/data/rng'
import { codesSet, writeCodes } from '../../../src/trainer/stage2/codes-file'
import { listCheckpoints, loadGeneratorCheckpoint } from '../../../src/trainer/stage2/generator-checkpoint'
import { ImageBert } from '../../../src/trainer/stage2/maskgit'
import { DEFAULT_MASKGIT_SAMPLING, sampleMaskGit } from '../../../src/trainer/stage2/maskgit-sample'
import { cosineWithWarmup, decays, GENERATOR_DEFAULTS, trainGenerator } from '../../../src/trainer/stage2/train-generator'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-maskgit-'))
const T = 8, C = 4, V = 16 // 8 tokens of 4 bits: vocabulary 16
const sizes = { hiddenSize: 32, depth: 1, numHeads: 2, mlpSize: 64 } // one block is enough to memorise 8 sequences, and keeps the test to seconds
const config = { imageSize: 8, patchSize: 4, codeLength: T, contextDim: C, codebookSizeForEntropy: 2, encoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 }, decoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 } }
const rng = Rng.fromSeed(5, 0)
const bits = Int8Array.from({ length: 8 * T * C }, () => (rng.nextFloat() < 0.5 ? -1 : 1))
const codesPath = join(tmp, 'codes.safetensors')
const run = join(tmp, 'run')
const options = { ...GENERATOR_DEFAULTS, codes: codesPath, out: run, preset: sizes, maxSteps: 100, checkpointEvery: 50, resume: false, batchSize: 8, lr: 3e-2, lrEnd: 3e-3, warmupSteps: 5, classDropout: 0, // every row keeps its class: the sequence is then fully determined
  logEvery: 20, emaDecay: 0.9 }

beforeAll(async () => {
  await initBackend('cpu')
  const set = codesSet({
    n: 8, codeLength: T, contextDim: C, bits, labels: Int32Array.from({ length: 8 }, (_, i) => i), classes: [...'abcdefgh'],
    source: Int32Array.from({ length: 8 }, (_, i) => i), flipped: new Int8Array(8), files: [...'abcdefgh'].map((c) => `${c}.png`),
    tokenizer: { checkpoint: 'x', sha256: '0', stateDict: null, config },
  })
  await writeCodes(codesPath, set)
})

describe('trainGenerator + sampleMaskGit', () => {
  it('over-fits 8 sequences, and temperature-0 sampling rebuilds each class', async () => {
    const counts: number[] = []
    const res = await trainGenerator({ ...options, maxSteps: 50 }, { onStep: (e) => e.step % 15 === 0 && counts.push(tf.memory().numTensors) })
    expect(res.step).toBe(50)
    expect(new Set(counts).size).toBe(1) // no tensor leaks from step to step
    const resumed = await trainGenerator({ ...options, resume: true })
    expect(resumed.step).toBe(100)
    expect(await listCheckpoints(run)).toEqual([50, 100])
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    const last = lines[lines.length - 1]
    // smoothed CE floor: the entropy of the smoothed one-hot target, (0.9 + 0.1/V, 0.1/V …)
    const hi = 0.9 + 0.1 / V, lo = 0.1 / V
    const floor = -(hi * Math.log(hi) + (V - 1) * lo * Math.log(lo))
    expect(last.step).toBe(100)
    expect(last.loss).toBeLessThan(floor + 0.15)
    expect(last.maskedAccuracy).toBeGreaterThan(0.95)

    const ck = await loadGeneratorCheckpoint(run)
    const model = new ImageBert(ck.params)
    const weights = new Map([...ck.ema].map(([k, v]) => [k, tf.tensor(v, [...model.parameters().find((r) => r.name === k)!.shape])]))
    const layout = { positions: T, subTokens: 1, bitsPerSubToken: C, vocabulary: V }
    const labels = Int32Array.from({ length: 8 }, (_, i) => i)
    const timeline: number[] = []
    const greedy = await sampleMaskGit(model, weights, labels, layout, { ...DEFAULT_MASKGIT_SAMPLING, randomizeTemperature: 0, steps: 4 }, {
      onStep: (_, ids) => timeline.push(ids.filter((id) => id === V).length),
    })
    const expected = Array.from({ length: 8 * T }, (_, i) => [...Array(C).keys()].reduce((id, g) => id + (bits[i * C + g] > 0 ? 2 ** g : 0), 0))
    expect(Array.from(greedy)).toEqual(expected)
    // arccos unmasking: per sequence floor(8·acos(r)/(π/2)) stay masked after steps 1–3 (6, 5, 3), none after the last
    expect(timeline).toEqual([...[0.25, 0.5, 0.75].map((r) => 8 * Math.floor((8 * Math.acos(r)) / (Math.PI / 2))), 0])
    expect(timeline).toEqual([48, 40, 24, 0])
    const otherSeed = await sampleMaskGit(model, weights, labels, layout, { ...DEFAULT_MASKGIT_SAMPLING, randomizeTemperature: 0, steps: 4, seed: 9 })
    expect(Array.from(otherSeed)).toEqual(Array.from(greedy))
    const hot = (seed: number) => sampleMaskGit(model, weights, labels, layout, { ...DEFAULT_MASKGIT_SAMPLING, randomizeTemperature: 1e3, steps: 4, seed })
    const [h1, h1again, h2] = [await hot(1), await hot(1), await hot(2)]
    expect(Array.from(h1)).toEqual(Array.from(h1again))
    expect(Array.from(h1)).not.toEqual(Array.from(h2))
    const guided = (seed: number) => sampleMaskGit(model, weights, labels, layout, { ...DEFAULT_MASKGIT_SAMPLING, randomizeTemperature: 0, steps: 4, guidanceScale: 2, seed })
    expect(Array.from(await guided(1))).toEqual(Array.from(await guided(2)))
    tf.dispose([...weights.values()])
  })
})

describe('schedule and weight decay groups', () => {
  it('warms up linearly then follows the cosine to the end value', () => {
    expect(cosineWithWarmup(0, 100, 10, 1, 0.1)).toBeCloseTo(0.1, 12)
    expect(cosineWithWarmup(9, 100, 10, 1, 0.1)).toBeCloseTo(1, 12)
    expect(cosineWithWarmup(55, 100, 10, 1, 0.1)).toBeCloseTo(0.55, 12) // halfway: (1 + 0.1)/2
    expect(cosineWithWarmup(100, 100, 10, 1, 0.1)).toBeCloseTo(0.1, 12)
  })
  it('decays matrices only, not biases, norms or embeddings', () => {
    expect(decays('layers.0.attn.qkv.weight', [96, 32])).toBe(true)
    expect(decays('lm_head.weight', [16, 32])).toBe(true)
    for (const [n, s] of [['layers.0.attn.qkv.bias', [96]], ['layers.0.norm1.weight', [32]], ['class_embed.weight', [32, 9]], ['position_embed.weight', [9, 32]], ['token_in.weight', [32, 4]]] as const) {
      expect(decays(n, s)).toBe(false)
    }
  })
})
