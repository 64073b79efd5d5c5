// Training's validation goes through the one inference interface: the PSNR, SSIM and bit balance a run logs for a
// step equal `flowmo eval`'s on that step's checkpoint, the same images and the same protocol (per-image PSNR,
// uint8 truncation, Gaussian SSIM, seed 0, noise keyed by image, the config's sampler). A tfjs-engine run validates on
// tfjs (= eval --path tfjs), an onnxruntime-engine run on onnxruntime (= eval --path onnxruntime), and its sample
// grid holds the originals over those reconstructions.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { fromModelOutput, loadImageTensor } from '../../../src/trainer/data/images'
import { evaluate } from '../../../src/trainer/eval/evaluate'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { TrainingRun } from '../../../src/trainer/train/run'
import type { RunOptions } from '../../../src/trainer/train/run-options'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'

const valImages = 3
let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture()
  vi.stubEnv('FLOWMO_CACHE_DIR', join(f.root, 'cache')) // eval --path onnxruntime exports the checkpoint here
})
afterAll(() => {
  vi.unstubAllEnvs()
  rmSync(f.root, { recursive: true, force: true })
})

/** Trains 2 steps on `engine`, then evaluates the step-2 checkpoint on `path`: the logged record and eval's report. */
async function runAndEvaluate(engine: RunOptions['engine'], path: 'tfjs' | 'onnxruntime') {
  const out = mkdtempSync(join(f.root, `run-${engine}-`))
  const lines: string[] = []
  await new TrainingRun(tinyRunOptions(f, out, { maxSteps: 2, valImages, evalWeights: 'raw', engine }), { onLog: (l) => lines.push(l) }).start()
  expect(existsSync(join(f.root, 'cache'))).toBe(false) // validation exported nothing into the user's export cache
  const logged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.step === 2 && 'val_psnr' in r)
  const checkpoint = new RunDir(out).checkpointFiles(2).model
  const { report } = await evaluate({
    source: { checkpoint, stateDict: 'raw' }, dataDir: f.data, n: valImages,
    sampling: {}, seed: 0, noise: 'image', metrics: ['psnr', 'ssim'], psnr: 'per-image', quantise: 'truncate', ssim: 'gaussian-11',
    batchSize: valImages, statsCacheDir: null, path, onNotice: () => {},
  })
  expect(report!.nImages).toBe(valImages)
  expect(report!.protocol.inference.path).toBe(path)
  expect(logged.val_psnr).toBeGreaterThan(5) // a real reconstruction, not a constant
  const perBit = report!.codes.bitBalance.perBit // pooled over per-token fractions: equal up to rounding
  expect(logged.bit_balance).toHaveLength(perBit.length)
  for (const [c, b] of perBit.entries()) expect(logged.bit_balance[c]).toBeCloseTo(b, 12)
  return { out, logged, metrics: report!.metrics, checkpoint, lines }
}

describe('validation during training', () => {
  it('logs the PSNR, SSIM and bit balance that flowmo eval gives the checkpoint on the same images (tfjs engine, tfjs path)', async () => {
    const { logged, metrics, lines } = await runAndEvaluate('tfjs', 'tfjs')
    expect(logged.val_psnr).toBeCloseTo(metrics.psnr, 9)
    expect(logged.val_ssim).toBeCloseTo(metrics.ssim, 9)
    expect(lines.some((l) => l.startsWith('validation on onnxruntime'))).toBe(false)
  })

  it('validates an onnxruntime-engine run on onnxruntime: eval --path onnxruntime\'s PSNR and SSIM, its reconstructions in the grid', async () => {
    const { out, logged, metrics, checkpoint, lines } = await runAndEvaluate('onnxruntime', 'onnxruntime')
    expect(lines).toContain('validation on onnxruntime (cpu)')
    // The validation graphs read the weights as inputs, which onnxruntime cannot prepack as it does the export's
    // constants, so their reconstructions differ from eval's by float rounding (≤ 8e-7, weight-fed-model.test.ts);
    // after uint8 truncation the metrics measured equal here. The tolerance allows a pixel rounding to the next level.
    expect(Math.abs(logged.val_psnr - metrics.psnr)).toBeLessThanOrEqual(1e-3) // dB; measured 0
    expect(Math.abs(logged.val_ssim - metrics.ssim)).toBeLessThanOrEqual(1e-5) // measured 0
    // the grid: originals over the exported model's reconstructions of the same images (its session without
    // prepacked weights: the validation graphs' exact arithmetic), as uint8
    const unpacked = { extra: { session: { disable_prepacking: '1' } } }
    const model = await OrtModel.open({ checkpoint, stateDict: 'raw' }, { onNotice: () => {}, tuning: unpacked })
    const S = model.config.imageSize
    const x = new Float32Array(valImages * 3 * S * S)
    for (let i = 0; i < valImages; i++) x.set(await loadImageTensor(join(f.data, `img${i}.png`), S, 'center'), i * 3 * S * S)
    const { images } = await model.reconstruct(x, valImages, { seed: 0 })
    await model.dispose()
    const png = await sharp(new RunDir(out).samplePath(2)).raw().toBuffer({ resolveWithObject: true })
    expect([png.info.width, png.info.height, png.info.channels]).toEqual([valImages * S, 2 * S, 3])
    for (const [row, src] of [x, images].entries()) {
      for (let i = 0; i < valImages; i++) {
        const want = fromModelOutput(src.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S)
        const got = new Uint8Array(S * S * 3)
        for (let y = 0; y < S; y++) got.set(png.data.subarray(((row * S + y) * valImages * S + i * S) * 3, ((row * S + y) * valImages * S + (i + 1) * S) * 3), y * S * 3)
        expect(got).toEqual(want)
      }
    }
  })
})
