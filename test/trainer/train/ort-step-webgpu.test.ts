// The Stage-1A step graph on onnxruntime's WebGPU provider (Mesa lavapipe, installed by .ci/run): two steps from the
// golden weights give the CPU provider's losses and updated weights within the stated tolerance (docs/ort-training.md).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { OrtDevice } from '../../../src/trainer/export/ort-device'
import { findGoldenSets, loadGoldenSet } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { OrtTrainStep } from '../../../src/trainer/train/ort-step'
import { goldenWeights } from '../export/grad/golden-step'

const work = mkdtempSync(join(tmpdir(), 'flowmo-webgpu-step-'))
process.env.XDG_RUNTIME_DIR ??= work // Mesa's Vulkan loader wants one
afterAll(() => rmSync(work, { recursive: true, force: true }))

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0)

describe('OrtTrainStep on webgpu', () => {
  it('two steps equal the CPU provider: losses within 1e-5 relative, weights within 0.1·lr, Adam moments within 1e-4 relative', async () => {
    const set = await loadGoldenSet(findGoldenSets(goldenDir())[0])
    const start = await goldenWeights(set)
    const io = (n: string) => set.io.get(n)!.data
    const B = set.io.get('x')!.shape[0]
    const batch = { x: io('x'), eps: io('eps'), t: io('t'), keep: new Float32Array(B).fill(1) }
    const run = async (device: OrtDevice) => {
      const trainer = await OrtTrainStep.create(set.config, start, { batch: B, intraOpNumThreads: 1, device })
      const losses = [await trainer.step(batch, 1e-3), await trainer.step(batch, 1e-3)]
      const out = { losses, weights: trainer.weights(), m: trainer.moments().m }
      await trainer.release()
      return out
    }
    const cpu = await run('cpu')
    const gpu = await run('webgpu')
    for (const [i, l] of cpu.losses.entries()) {
      for (const [k, v] of Object.entries(l)) expect(Math.abs(gpu.losses[i][k as keyof typeof l] - v), `${k} step ${i + 1}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)))
    }
    // Adam moves each weight by up to lr = 1e-3 per step whatever the gradient's size, so near-zero gradients that
    // round differently move by different amounts: weights agree within 0.1·lr, moments within 1e-4 of their largest
    let weights = 0
    for (const [n, w] of cpu.weights) weights = Math.max(weights, maxAbs(gpu.weights.get(n)!, w))
    let moments = 0
    let largest = 0
    for (const [n, m] of cpu.m) (moments = Math.max(moments, maxAbs(gpu.m.get(n)!, m))), (largest = Math.max(largest, m.reduce((a, x) => Math.max(a, Math.abs(x)), 0)))
    console.log(`webgpu vs cpu after 2 steps: max |Δ| weights ${weights.toExponential(2)}, Adam m ${moments.toExponential(2)} (max |m| ${largest.toExponential(2)})`)
    expect(weights).toBeLessThanOrEqual(1e-4)
    expect(moments).toBeLessThanOrEqual(1e-4 * largest)
    expect(gpu.weights.get('decoder.double_blocks.0.img_attn.qkv.weight')).not.toEqual(start.get('decoder.double_blocks.0.img_attn.qkv.weight')) // it trained
  })
})
