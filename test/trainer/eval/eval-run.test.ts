// The eval loop: batches of pending images, an exact reconstruction scored as PSNR ∞ / SSIM 1, and journalling.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evalCard } from '../../../src/trainer/eval/eval-card'
import { pendingBatches, runEval } from '../../../src/trainer/eval/eval-run'
import { openJournal } from '../../../src/trainer/eval/journal'
import { buildReport } from '../../../src/trainer/eval/report'
import type { InferenceModel } from '../../../src/trainer/inference/inference-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { openLpipsMetric } from '../../../src/trainer/metrics/lpips'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { writeNetPth } from '../../fixtures/nets/fixture-weights'
import { useBackend } from '../nets/backends'
import { perImageCsv } from '../../../src/trainer/eval/report'
import { cardInputs } from './card-inputs'

const photos = [0, 1, 2].map((i) => join(goldenDir(), '..', 'data', 'photos', 'val-64', `val64_000${i}.png`))

/** A model whose reconstruction is its input (and whose code is all +1): what a perfect tokenizer would return. */
const identity = {
  config: { imageSize: 32, codeLength: 4, contextDim: 6, sampling: cardInputs.sampling },
  reconstruct: async (x: Float32Array, batch: number) => ({ images: x.slice(), code: new Float32Array(batch * 24).fill(1), nfe: 0 }),
} as unknown as InferenceModel

/** The identity model with its output shifted by 0.1 and clamped: a reconstruction that is close but not exact. */
const shifted = {
  ...identity,
  reconstruct: async (x: Float32Array, batch: number) => ({ images: x.map((v) => Math.min(1, v + 0.1)), code: new Float32Array(batch * 24).fill(-1), nfe: 0 }),
} as unknown as InferenceModel

/** LPIPS-AlexNet of the layout the real files have at 1/16 width, from weight files written by the nets fixtures. */
async function tinyLpipsAlex(dir: string) {
  const layout = new LPIPS('alex', 16)
  await writeNetPth(join(dir, weightFiles.alexnet.fileName), layout.backboneParams.all())
  await writeNetPth(join(dir, weightFiles.lpipsAlex.fileName), layout.headParams.all())
  return openLpipsMetric('alex', { weightsDir: dir, verifyHash: false, widthDivisor: 16 })
}

describe('eval loop', () => {
  it('cuts pending images into batches of consecutive indices', () => {
    expect(pendingBatches(7, new Map(), 3)).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect(pendingBatches(7, new Map([[1, 0], [2, 0], [5, 0]]), 3)).toEqual([[0], [3, 4], [6]])
    expect(pendingBatches(2, new Map([[0, 0], [1, 0]]), 3)).toEqual([])
  })

  it('scores an exact reconstruction as PSNR ∞ and SSIM 1, and journals every image', async () => {
    const card = evalCard(cardInputs)
    const journal = await openJournal(join(mkdtempSync(join(tmpdir(), 'flowmo-run-')), 'r.partial.jsonl'), card)
    const seen: number[] = []
    const records = await runEval({
      model: identity, images: photos, sampling: {}, seed: 0, noise: 'image', quantise: 'truncate', ssimVariant: 'skimage-default-7x7',
      batchSize: 2, lpips: [], features: null, originalsCached: false, journal, onProgress: (done) => seen.push(done),
    })
    expect(records.map((r) => r.index)).toEqual([0, 1, 2])
    expect(seen).toEqual([0, 2, 3])
    for (const r of records) {
      expect(r.mse).toBe(0)
      expect(r.ssim).toBeCloseTo(1, 12)
    }
    const report = buildReport({ records, card, shape: { tokens: 4, bits: 6, imageSizePx: 32 }, wanted: new Set(['psnr', 'ssim']), featuresAreProxy: false, reference: null, unavailable: {} })
    expect(report.metrics.psnr).toBe(Infinity)
    expect(report.details.psnr.exactImages).toBe(3)
    expect(report.codes.distinctCodes.imageCodes).toBe(1)
    expect(report.codes.bitBalance.overall).toBe(1)
  })

  it('journals LPIPS per image: 0 for an exact reconstruction, positive otherwise, and a CSV column', async () => {
    await useBackend('cpu')
    const dir = mkdtempSync(join(tmpdir(), 'flowmo-run-lpips-'))
    const lpips = await tinyLpipsAlex(dir)
    const run = async (model: InferenceModel, name: string) => runEval({
      model, images: photos, sampling: {}, seed: 0, noise: 'image', quantise: 'truncate', ssimVariant: 'gaussian-11', batchSize: 2, lpips: [lpips], features: null, originalsCached: false,
      journal: await openJournal(join(dir, `${name}.partial.jsonl`), evalCard(cardInputs)),
    })
    const exact = await run(identity, 'exact')
    const near = await run(shifted, 'near')
    lpips.dispose()
    for (const r of exact) expect(Math.abs(r.lpips.alex)).toBeLessThan(1e-6)
    for (const r of near) expect(r.lpips.alex).toBeGreaterThan(1e-4)
    expect(perImageCsv(near).split('\n')[0]).toBe('path,psnr,ssim,lpips_alex')
    expect(near[0].mse).toBeGreaterThan(0)
  })
})
