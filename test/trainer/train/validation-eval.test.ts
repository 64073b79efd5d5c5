// Training's validation goes through the one inference interface: the PSNR, SSIM and bit balance a run logs for a
// step equal `flowmo eval`'s on that step's checkpoint, the same images and the same protocol (per-image PSNR,
// uint8 truncation, Gaussian SSIM, seed 0, noise keyed by image, the config's sampler).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { evaluate } from '../../../src/trainer/eval/evaluate'
import { RunDir } from '../../../src/trainer/train/run-dir'
import { TrainingRun } from '../../../src/trainer/train/run'
import { makeRunFixture, tinyRunOptions, type RunFixture } from './run-fixture'

let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture()
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

describe('validation during training', () => {
  it('logs the PSNR, SSIM and bit balance that flowmo eval gives the checkpoint on the same images', async () => {
    const out = join(f.root, 'run')
    const valImages = 3
    await new TrainingRun(tinyRunOptions(f, out, { maxSteps: 2, valImages, evalWeights: 'raw' })).start()
    const logged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.step === 2 && 'val_psnr' in r)
    const { report } = await evaluate({
      source: { checkpoint: new RunDir(out).checkpointFiles(2).model, stateDict: 'raw' }, dataDir: f.data, n: valImages,
      sampling: {}, seed: 0, noise: 'image', metrics: ['psnr', 'ssim'], psnr: 'per-image', quantise: 'truncate', ssim: 'gaussian-11',
      batchSize: valImages, statsCacheDir: null, path: 'tfjs',
    })
    expect(report!.nImages).toBe(valImages)
    expect(logged.val_psnr).toBeGreaterThan(5) // a real reconstruction, not a constant
    expect(logged.val_psnr).toBeCloseTo(report!.metrics.psnr, 9)
    expect(logged.val_ssim).toBeCloseTo(report!.metrics.ssim, 9)
    const perBit = report!.codes.bitBalance.perBit // pooled over per-token fractions: equal up to rounding
    expect(logged.bit_balance).toHaveLength(perBit.length)
    for (const [c, b] of perBit.entries()) expect(logged.bit_balance[c]).toBeCloseTo(b, 12)
  })
})
