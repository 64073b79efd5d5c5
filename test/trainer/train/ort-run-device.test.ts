// `flowmo train --engine onnxruntime --device webgpu`: the run's step graph opens on the selected device
// (FLOWMO_DEVICE, which `--device` and the app's setting write). Two steps on the WebGPU provider (Mesa lavapipe,
// installed by .ci/run) write the checkpoint the CPU provider writes, within the step test's tolerance (0.1·lr), and
// its validation runs there too, logging the CPU run's PSNR and SSIM.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import type { OrtDevice } from '../../../src/trainer/export/ort-device'
import { loadCheckpoint } from '../../../src/trainer/train/checkpointing'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { TrainingRun } from '../../../src/trainer/train/run'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'

const LR = 1e-3
let f: RunFixture
const device = process.env.FLOWMO_DEVICE
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture()
  process.env.XDG_RUNTIME_DIR ??= f.root // Mesa's Vulkan loader wants one
})
afterEach(() => {
  if (device === undefined) delete process.env.FLOWMO_DEVICE
  else process.env.FLOWMO_DEVICE = device
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

/** Two onnxruntime-engine steps with FLOWMO_DEVICE set: the step-2 checkpoint and the run's log. */
async function twoSteps(d: OrtDevice) {
  process.env.FLOWMO_DEVICE = d
  const out = join(f.root, d)
  const log: string[] = []
  await new TrainingRun(tinyRunOptions(f, out, { maxSteps: 2, lr: LR, engine: 'onnxruntime' }), { onLog: (l) => log.push(l) }).start()
  const validation = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => 'val_psnr' in r)
  return { saved: await loadCheckpoint(new RunDir(out).checkpointFiles(2)), log, validation }
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0)

describe('onnxruntime training engine on the selected device', () => {
  it('two steps on --device webgpu write the cpu checkpoint within 0.1·lr (raw and EMA weights) and validate there', async () => {
    const cpu = await twoSteps('cpu')
    const gpu = await twoSteps('webgpu')
    expect(cpu.log).toContain('training step graph on cpu')
    expect(gpu.log).toContain('training step graph on webgpu')
    expect([cpu.log, gpu.log].map((l) => l.filter((line) => line.startsWith('validation on')))).toEqual([['validation on onnxruntime (cpu)'], ['validation on onnxruntime (webgpu)']])
    // weights within 0.1·lr and graphs within float rounding of each other: uint8-truncated metrics measured equal
    expect(Math.abs(gpu.validation.val_psnr - cpu.validation.val_psnr)).toBeLessThanOrEqual(1e-3) // dB
    expect(Math.abs(gpu.validation.val_ssim - cpu.validation.val_ssim)).toBeLessThanOrEqual(1e-5)
    let raw = 0
    let moved = 0
    for (const [name, w] of cpu.saved.raw) {
      raw = Math.max(raw, maxAbs(gpu.saved.raw.get(name)!, w))
      moved = Math.max(moved, maxAbs(w, cpu.saved.ema.get(name)!)) // EMA starts at step 0's weights
    }
    let ema = 0
    for (const [name, w] of cpu.saved.ema) ema = Math.max(ema, maxAbs(gpu.saved.ema.get(name)!, w))
    console.log(`webgpu vs cpu checkpoint after 2 steps: max |Δ| raw ${raw.toExponential(2)}, ema ${ema.toExponential(2)}; the steps moved weights by up to ${moved.toExponential(2)}`)
    expect(moved).toBeGreaterThan(LR) // it trained: two Adam steps of lr move some weight by more than lr
    expect(raw).toBeLessThanOrEqual(0.1 * LR)
    expect(ema).toBeLessThanOrEqual(0.1 * LR)
  })
})
