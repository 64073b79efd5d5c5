// The Stage-2 generator's step graph on onnxruntime's WebGPU provider (Mesa lavapipe, installed by .ci/run), as every
// session opens on the selected device: two steps give the CPU provider's losses, hits and gradient norms, and its
// weights within 0.1·lr (Adam moves a weight by ~lr whatever its gradient's size; docs/ort-training.md).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { Rng } from '../../../src/trainer/data/rng'
import type { OrtDevice } from '../../../src/trainer/export/ort-device'
import { drawMasks, maskedBits } from '../../../src/trainer/stage2/masking'
import { ImageBert, type MaskGitParams } from '../../../src/trainer/stage2/maskgit'
import { OrtGeneratorStep } from '../../../src/trainer/stage2/ort-generator-step'
import { classOneHotData, decays, GENERATOR_DEFAULTS, initGenerator } from '../../../src/trainer/stage2/train-generator'

const work = mkdtempSync(join(tmpdir(), 'flowmo-webgpu-gen-'))
process.env.XDG_RUNTIME_DIR ??= work // Mesa's Vulkan loader wants one
afterAll(() => rmSync(work, { recursive: true, force: true }))
beforeAll(async () => {
  await initBackend('cpu')
})

const params: MaskGitParams = { hiddenSize: 32, depth: 2, numHeads: 2, mlpSize: 64, positions: 8, bitsPerToken: 8, subTokens: 2, vocabulary: 16, classes: 3 }
const layout = { positions: 8, subTokens: 2, bitsPerSubToken: 4, vocabulary: 16 }
const B = 4
const lr = 1e-3

function batch(step: number) {
  const rng = Rng.fromSeed(7, 1, step)
  const ids = Int32Array.from({ length: B * 8 * 2 }, () => Math.floor(rng.nextFloat() * 16))
  const masks = drawMasks(B, 16, rng)
  const labels = Int32Array.from({ length: B }, () => Math.floor(rng.nextFloat() * 4)) // 3 = the null class
  return { bits: maskedBits(ids, masks, B, layout), classOneHot: classOneHotData(labels, 3), ids, masks }
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)

describe('generator step on webgpu', () => {
  it('two steps equal the CPU provider: loss and gradient norm within 1e-5 relative, hits exact, weights within 0.1·lr', async () => {
    const model = new ImageBert(params)
    const vars = initGenerator(model, 3)
    const start = new Map([...vars].map(([k, v]) => [k, v.dataSync() as Float32Array]))
    tf.dispose([...vars.values()])
    const run = async (device: OrtDevice) => {
      const step = await OrtGeneratorStep.create(params, start, {
        batch: B, betas: GENERATOR_DEFAULTS.betas, eps: 1e-8, weightDecay: GENERATOR_DEFAULTS.weightDecay, decays, clipNorm: 0.5, intraOpNumThreads: 1, device,
      })
      const results = [await step.step(batch(0), lr), await step.step(batch(1), lr)]
      const out = { device: step.device, results, weights: step.weights() }
      await step.release()
      return out
    }
    const cpu = await run('cpu')
    const gpu = await run('webgpu')
    expect(gpu.device).toBe('webgpu')
    for (const [i, r] of cpu.results.entries()) {
      const g = gpu.results[i]
      expect(Math.abs(g.loss - r.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(r.loss))
      expect(Math.abs(g.gradNorm - r.gradNorm)).toBeLessThanOrEqual(1e-5 * r.gradNorm)
      expect(g.correct).toBe(r.correct)
    }
    let weights = 0
    let moved = 0
    for (const [n, w] of cpu.weights) (weights = Math.max(weights, maxAbs(gpu.weights.get(n)!, w))), (moved = Math.max(moved, maxAbs(w, start.get(n)!)))
    console.log(`generator step, webgpu vs cpu after 2 steps: max |Δ| weights ${weights.toExponential(2)} (moved up to ${moved.toExponential(2)})`)
    expect(moved).toBeGreaterThan(lr) // it trained
    expect(weights).toBeLessThanOrEqual(0.1 * lr)
  })
})
