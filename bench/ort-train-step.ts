// One onnxruntime Stage-1A training step: `npx tsx bench/ort-train-step.ts <preset> <device> [batch]` (e.g.
// bench-tiny64 webgpu 8). Builds the step graph from seeded initial weights, takes one warm-up step and BENCH_RUNS (3)
// timed steps on one fixed batch, prints one JSON line (losses of the first step, times, peak RSS).
import { initBackend } from '../src/trainer/backend'
import { parseDevice, resolveDevice } from '../src/trainer/export/ort-device'
import { preset } from '../src/trainer/model/configs'
import { FlowMo } from '../src/trainer/model/flowmo'
import { initWeights } from '../src/trainer/model/init'
import { OrtTrainStep } from '../src/trainer/train/ort-step'

const [presetName, deviceArg = 'auto', batchArg = '8'] = process.argv.slice(2)
if (!presetName) throw new Error('usage: bench/ort-train-step.ts <preset> [device] [batch]')
const runs = Number(process.env.BENCH_RUNS ?? 3)
await initBackend()
const config = preset(presetName)
const weights = new Map([...initWeights(new FlowMo(config), 0)].map(([n, v]) => [n, v.dataSync() as Float32Array]))
const device = await resolveDevice(parseDevice(deviceArg))
const B = Number(batchArg)
const S = config.imageSize
const t0 = performance.now()
const trainer = await OrtTrainStep.create(config, weights, { batch: B, device })
const buildMs = performance.now() - t0
const image = (k: number) => Float32Array.from({ length: B * 3 * S * S }, (_, i) => Math.sin(i * k) * 0.9)
const batch = { x: image(0.37), eps: image(1.13), t: Float32Array.from({ length: B }, (_, i) => (i + 0.5) / B), keep: new Float32Array(B).fill(1) }
const first = await trainer.step(batch, 1e-4) // warm-up
const ms: number[] = []
for (let i = 0; i < runs; i++) {
  const t = performance.now()
  await trainer.step(batch, 1e-4)
  ms.push(performance.now() - t)
}
ms.sort((a, b) => a - b)
await trainer.release()
console.log(JSON.stringify({ preset: presetName, device, batch: B, build_and_load_ms: buildMs, median_ms: ms[Math.floor(ms.length / 2)], min_ms: ms[0], max_ms: ms.at(-1)!, first_losses: first, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }))
