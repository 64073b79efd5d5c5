// One decoder call on onnxruntime at full size or small: `npx tsx bench/decoder-call.ts <preset> <device> <batches>`
// (e.g. flowmo-lo webgpu 1,4). Writes a random-weight checkpoint with the preset's exact state dict (kept in
// BENCH_CKPT_DIR when set, so a second device reuses it), opens it on `device` (export into a fresh cache: its time is
// measured), times BENCH_RUNS (3) calls per batch after one warm-up, prints one JSON line with the peak RSS.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRandomCheckpoint } from '../src/trainer/checkpoint/random-checkpoint'
import { parseDevice, resolveDevice } from '../src/trainer/export/ort-device'
import { OrtModel } from '../src/trainer/inference/ort-model'

const [presetName, deviceArg = 'auto', batchArg = '1'] = process.argv.slice(2)
if (!presetName) throw new Error('usage: bench/decoder-call.ts <preset> [device] [batches, e.g. 1,4]')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const work = mkdtempSync(join(tmpdir(), 'flowmo-decoder-call-'))
const ckptDir = process.env.BENCH_CKPT_DIR ?? work
mkdirSync(ckptDir, { recursive: true })
const checkpoint = join(ckptDir, `${presetName}.pth`)
try {
  if (!existsSync(checkpoint)) await writeRandomCheckpoint(presetName, checkpoint)
  const device = await resolveDevice(parseDevice(deviceArg))
  const t0 = performance.now()
  const model = await OrtModel.open({ checkpoint, preset: presetName }, { device, cacheDir: join(work, 'cache'), onNotice: (m) => console.error(m) })
  const openMs = performance.now() - t0 // export (fresh cache) + both sessions
  const { imageSize: S, codeLength: L, contextDim: C } = model.config
  const calls = []
  for (const batch of batchArg.split(',').map(Number)) {
    const z = { data: new Float32Array(batch * 3 * S * S).fill(0.1), shape: [batch, 3, S, S] }
    const code = model.codeInput(new Float32Array(batch * L * C).fill(1), batch)
    await model.velocity(z, code, 0.5) // warm-up: kernels compiled, buffers allocated
    const ms: number[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      await model.velocity(z, code, 0.5)
      ms.push(performance.now() - t)
    }
    ms.sort((a, b) => a - b)
    calls.push({ batch, median_ms: ms[Math.floor(ms.length / 2)], min_ms: ms[0], max_ms: ms.at(-1)! })
  }
  await model.dispose()
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  console.log(JSON.stringify({ preset: presetName, device: model.device, export_and_load_ms: openMs, calls, peak_rss_mb: peakRssMb, estimate: model.estimate }))
} finally {
  rmSync(work, { recursive: true, force: true })
}
