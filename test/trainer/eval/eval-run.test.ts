// The eval loop: batches of pending images, an exact reconstruction scored as PSNR ∞ / SSIM 1, and journalling.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evalCard } from '../../../src/trainer/eval/eval-card'
import { pendingBatches, runEval } from '../../../src/trainer/eval/eval-run'
import { openJournal } from '../../../src/trainer/eval/journal'
import { buildReport } from '../../../src/trainer/eval/report'
import type { InferenceModel } from '../../../src/trainer/inference/fast-path'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { cardInputs } from './card-inputs'

const photos = [0, 1, 2].map((i) => join(goldenDir(), '..', 'data', 'photos', 'val-64', `val64_000${i}.png`))

/** A model whose reconstruction is its input (and whose code is all +1): what a perfect tokenizer would return. */
const identity = {
  config: { imageSize: 32, codeLength: 4, contextDim: 6, sampling: cardInputs.sampling },
  reconstruct: async (x: Float32Array, batch: number) => ({ images: x.slice(), code: new Float32Array(batch * 24).fill(1), nfe: 0 }),
} as unknown as InferenceModel

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
      model: identity, images: photos, sampling: {}, seed: 0, quantise: 'truncate', ssimVariant: 'skimage-default-7x7',
      batchSize: 2, lpips: [], features: null, journal, onProgress: (done) => seen.push(done),
    })
    expect(records.map((r) => r.index)).toEqual([0, 1, 2])
    expect(seen).toEqual([0, 2, 3])
    for (const r of records) {
      expect(r.mse).toBe(0)
      expect(r.ssim).toBeCloseTo(1, 12)
    }
    const report = buildReport({ records, card, shape: { tokens: 4, bits: 6, imageSizePx: 32 }, wanted: new Set(['psnr', 'ssim']), featuresAreProxy: false, unavailable: {} })
    expect(report.metrics.psnr).toBe(Infinity)
    expect(report.details.psnr.exactImages).toBe(3)
    expect(report.codes.distinctCodes.imageCodes).toBe(1)
    expect(report.codes.bitBalance.overall).toBe(1)
  })
})
