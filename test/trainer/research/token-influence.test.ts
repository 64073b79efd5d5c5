// Token influence on the golden tiny-a model (16 tokens × 6 bits, 32²): each influence map equals a direct decode
// with that token replaced (batch of one, same noise), the base is the unmodified code's decode, replacement and mix
// semantics, the owner map and the summaries recomputed from the maps.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { loadImageTensor } from '../../../src/trainer/data/images'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { ownerMap, tokensAt } from '../../../src/shared/token-maps'
import { changeMap, decodeWithNoise, mixCodes, replaceToken, tokenInfluence } from '../../../src/trainer/research/token-influence'

const set = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
let model: TfModel
let sampling: TfModel['config']['sampling']
let codeA: Float32Array
let codeB: Float32Array

beforeAll(async () => {
  await initBackend()
  model = await TfModel.open({ checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') })
  sampling = { ...model.config.sampling, steps: 2, cfg: 1 }
  const S = model.config.imageSize
  const x = new Float32Array(2 * 3 * S * S)
  x.set(await loadImageTensor(join(photos, 'val64_0001.png'), S, 'center'))
  x.set(await loadImageTensor(join(photos, 'val64_0005.png'), S, 'center'), 3 * S * S)
  const { code } = await model.encode(x, 2)
  const n = code.length / 2
  ;[codeA, codeB] = [code.slice(0, n), code.slice(n)]
})

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)

describe('replaceToken / mixCodes', () => {
  it('changes only the chosen token: zeros, the other code\'s bits, or seeded ±1', () => {
    const C = model.config.contextDim
    const nulled = replaceToken(codeA, C, 3, 'null')
    expect(Array.from(nulled.subarray(3 * C, 4 * C))).toEqual(new Array(C).fill(0))
    expect(maxDiff(nulled.subarray(0, 3 * C), codeA.subarray(0, 3 * C))).toBe(0)
    expect(maxDiff(nulled.subarray(4 * C), codeA.subarray(4 * C))).toBe(0)
    expect(Array.from(replaceToken(codeA, C, 5, 'other', codeB).subarray(5 * C, 6 * C))).toEqual(Array.from(codeB.subarray(5 * C, 6 * C)))
    const r1 = replaceToken(codeA, C, 2, 'random', undefined, 9)
    expect(Array.from(r1.subarray(2 * C, 3 * C)).every((v) => v === 1 || v === -1)).toBe(true)
    expect(Array.from(replaceToken(codeA, C, 2, 'random', undefined, 9))).toEqual(Array.from(r1))
  })

  it('mixes: the listed tokens from A, the rest from B; all of A is A', () => {
    const { codeLength: L, contextDim: C } = model.config
    const mixed = mixCodes(codeA, codeB, C, [0, 1, 2])
    expect(Array.from(mixed.subarray(0, 3 * C))).toEqual(Array.from(codeA.subarray(0, 3 * C)))
    expect(Array.from(mixed.subarray(3 * C))).toEqual(Array.from(codeB.subarray(3 * C)))
    expect(Array.from(mixCodes(codeA, codeB, C, Array.from({ length: L }, (_, t) => t)))).toEqual(Array.from(codeA))
  })
})

describe('tokenInfluence', () => {
  it('each map equals a direct decode with that token replaced (null code), against the unmodified decode, same noise', async () => {
    const { codeLength: L, contextDim: C, imageSize: S } = model.config
    const progress: number[] = []
    const inf = await tokenInfluence(model, codeA, { replacement: 'null', sampling, seed: 4, batch: 6, onProgress: (d) => progress.push(d) })
    expect([inf.L, inf.C, inf.S, inf.tokens.length, progress]).toEqual([L, C, S, L, [6, 12, 16]])
    const base = await decodeWithNoise(model, codeA, 4, sampling)
    expect(maxDiff(inf.base, base)).toBeLessThan(1e-4)
    for (const t of [0, 7, 15]) {
      const direct = await decodeWithNoise(model, replaceToken(codeA, C, t, 'null'), 4, sampling)
      const expected = changeMap(direct, base, S)
      expect(maxDiff(inf.maps.subarray(t * S * S, (t + 1) * S * S), expected)).toBeLessThan(1e-4)
      const mean = expected.reduce((a, b) => a + b, 0) / expected.length
      expect(inf.tokens[t].meanAbs).toBeCloseTo(mean, 4)
      expect(inf.tokens[t].maxAbs).toBeCloseTo(Math.max(...expected), 4)
    }
    expect(inf.tokens.some((s) => s.meanAbs > 0)).toBe(true) // some token matters to the decode
  })

  it('replacing by the second image\'s tokens: a token equal in both codes moves nothing', async () => {
    const { contextDim: C, imageSize: S } = model.config
    const inf = await tokenInfluence(model, codeA, { replacement: 'other', other: codeB, sampling, seed: 1 })
    const same = inf.tokens.filter((s) => maxDiff(codeA.subarray(s.token * C, (s.token + 1) * C), codeB.subarray(s.token * C, (s.token + 1) * C)) === 0)
    for (const s of same) expect([s.meanAbs, s.deltaPsnr]).toEqual([0, Infinity])
    const t = inf.tokens.find((s) => !same.includes(s))!
    const direct = await decodeWithNoise(model, mixCodes(codeB, codeA, C, [t.token]), 1, sampling)
    expect(maxDiff(inf.maps.subarray(t.token * S * S, (t.token + 1) * S * S), changeMap(direct, inf.base, S))).toBeLessThan(1e-4)
    await expect(tokenInfluence(model, codeA, { replacement: 'other', sampling, seed: 1 })).rejects.toThrow(/needs its 16 × 6 code/)
  })
})

describe('ownerMap / tokensAt', () => {
  it('names the token with the largest change per pixel, and ranks the tokens at a pixel', () => {
    // L = 3 tokens on a 2 × 2 image
    const maps = Float32Array.from([0.1, 0.5, 0, 0, /**/ 0.2, 0.1, 0, 0.3, /**/ 0, 0.1, 0.4, 0.3])
    expect(Array.from(ownerMap(maps, 3, 2))).toEqual([1, 0, 2, 1])
    expect(tokensAt(maps, 3, 2, 0, 1, 2)).toEqual([[0, 0.5], [1, expect.closeTo(0.1, 6)]])
  })
})
