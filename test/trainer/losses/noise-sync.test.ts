// DiTo noise sync against an independent numpy reference (test/fixtures/quantizers/make.py), and its draws in a step:
// only the marked samples change, and the other draws of the step are those of a run without it.
import * as tf from '@tensorflow/tfjs-core'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { syncCode, syncTimes } from '../../../src/trainer/losses/noise-sync'
import { StepRandom, drawFlow } from '../../../src/trainer/train/step-random'

const ref = JSON.parse(readFileSync(new URL('../../fixtures/quantizers/reference.json', import.meta.url), 'utf8')).noiseSync as Record<string, number[]>
const f32 = (k: string) => Float32Array.from(ref[k])
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))

beforeAll(async () => {
  await initBackend()
})

describe('noise sync', () => {
  const draw = { mask: f32('mask'), tau: f32('tau'), u: f32('u'), epsZ: f32('epsZ') }

  it('matches numpy: z ← (1−τ)z + τε_z and t ← τ + (1−τ)u on marked samples, unchanged elsewhere', () => {
    const z = tf.tidy(() => syncCode(tf.tensor(ref.z, ref.shape), draw).dataSync())
    expect(maxDiff(z, ref.zSynced)).toBeLessThan(1e-6)
    expect(maxDiff(syncTimes(f32('t'), draw), ref.tSynced)).toBeLessThan(1e-6)
  })

  it('a synced image is never less noisy than its code (t′ ≥ τ)', () => {
    const t = syncTimes(f32('t'), draw)
    draw.mask.forEach((m, b) => m && expect(t[b]).toBeGreaterThanOrEqual(draw.tau[b]))
  })

  it('in a step, draws come after ε, t and the CFG mask, so those match a run without noise sync', () => {
    const plain = drawFlow(new StepRandom(5, 7, 0), 64, 4, 'fat_lognormal', 0.1)
    const synced = drawFlow(new StepRandom(5, 7, 0), 64, 4, 'fat_lognormal', 0.1, { p: 0.5, codeValues: 6 })
    expect(synced.eps).toEqual(plain.eps)
    expect(synced.keep).toEqual(plain.keep)
    const marked = Array.from(synced.sync!.mask).filter(Boolean).length
    expect(marked).toBeGreaterThan(16) // ~32 of 64 at p = 0.5
    expect(marked).toBeLessThan(48)
    synced.t.forEach((t, b) => expect(t === plain.t[b]).toBe(!synced.sync!.mask[b]))
    expect(synced.sync!.epsZ.length).toBe(64 * 6)
  })
})
