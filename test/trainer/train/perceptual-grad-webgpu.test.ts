// PerceptualGradSession on onnxruntime's WebGPU provider (Mesa lavapipe, installed by .ci/run): every perceptual
// network's λ·distance and ∂/∂y equal the CPU provider's. onnxruntime places every node of the three graphs on WebGPU
// (its MaxPool has no Indices output and it has no Or kernel: the max-pool VJP uses float equality masks).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { createPerceptualLoss } from '../../../src/trainer/losses/perceptual'
import { PerceptualGradSession } from '../../../src/trainer/train/perceptual-grad-session'
import { tinyLpipsLoss, tinyResNetLoss } from '../../fixtures/nets/tiny-losses'
import { maxAbsDiff, useBackend } from '../nets/backends'

const work = mkdtempSync(join(tmpdir(), 'flowmo-webgpu-perceptual-'))
process.env.XDG_RUNTIME_DIR ??= work // Mesa's Vulkan loader wants one
beforeAll(() => useBackend('cpu'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('PerceptualGradSession on webgpu', () => {
  it.each([
    ['LPIPS-VGG (tiny)', tinyLpipsLoss, 32],
    ['ResNet-50 logits (tiny)', tinyResNetLoss, 40],
    ['the MobileNetV2 proxy', async () => (await createPerceptualLoss('proxy', {}))!, 32],
  ] as [string, () => Promise<PerceptualLoss>, number][])('%s: the CPU provider\'s loss (1e-5 relative) and gradient (1e-4 of its largest)', async (_, load, S) => {
    const loss = await load()
    const n = 2 * 3 * S * S
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37))
    const y = x.map((v, i) => v + 0.2 * Math.cos(i * 1.3))
    const [cpu, gpu] = await Promise.all((['cpu', 'webgpu'] as const).map(async (device) => {
      const s = await PerceptualGradSession.create(loss, { batch: 2, imageSizePx: S, weight: 0.5, device })
      expect(s.device).toBe(device)
      const r = await s.run(x, y)
      await s.release()
      return { loss: r.loss, gradY: Float32Array.from(r.gradY) }
    }))
    expect(Math.abs(gpu!.loss - cpu!.loss)).toBeLessThan(1e-5 * cpu!.loss)
    expect(maxAbsDiff(gpu!.gradY, cpu!.gradY)).toBeLessThan(1e-4 * cpu!.gradY.reduce((m, v) => Math.max(m, Math.abs(v)), 0))
    loss.dispose()
  })
})
