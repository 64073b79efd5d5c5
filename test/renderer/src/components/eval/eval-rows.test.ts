// The per-image table's order (worst first by any score, ties in folder order) and the report diff's card rows.
import { describe, expect, it } from 'vitest'
import type { EvalImageRow, EvalReportDiff } from '../../../../../src/shared/protocol'
import { cardRows } from '../../../../../src/renderer/src/components/eval/card-rows'
import { scoreColumns, sortRows } from '../../../../../src/renderer/src/components/eval/eval-rows'

const row = (index: number, psnr: number, ssim: number, lpips_alex: number): EvalImageRow =>
  ({ index, path: `/p/${index}.png`, scores: { psnr, ssim, lpips_alex }, original: null, reconstruction: null })
const rows = [row(0, 20, 0.5, 0.3), row(1, 15, 0.7, 0.1), row(2, Infinity, 1, 0), row(3, 15, 0.2, 0.5)]
const order = (by: string, worstFirst = true) => sortRows(rows, { by, worstFirst }).map((r) => r.index)

describe('sortRows', () => {
  it('puts the worst first: lowest PSNR/SSIM, highest LPIPS; ties in folder order; exact (∞ dB) last', () => {
    expect(order('psnr')).toEqual([1, 3, 0, 2])
    expect(order('ssim')).toEqual([3, 0, 1, 2])
    expect(order('lpips_alex')).toEqual([3, 0, 1, 2])
  })
  it('flips to best first, and sorts by folder index', () => {
    expect(order('psnr', false)).toEqual([2, 0, 1, 3])
    expect(order('index')).toEqual([3, 2, 1, 0])
    expect(order('index', false)).toEqual([0, 1, 2, 3])
  })
  it('names the score columns in the engine order', () => {
    expect(scoreColumns(rows)).toEqual(['psnr', 'ssim', 'lpips_alex'])
    expect(scoreColumns([])).toEqual([])
  })
})

describe('cardRows', () => {
  const report = (protocol: Record<string, unknown>) => ({ metrics: {}, details: {}, unavailable: {}, nImages: 1, protocol })
  const diff: EvalReportDiff = {
    a: { path: 'a', report: report({ sampler: { seed: 0, steps: 4 }, lpips: null, backend: 'x' }) },
    b: { path: 'b', report: report({ sampler: { seed: 7, steps: 4 }, lpips: [{ file: 'alex.pth' }], backend: 'x' }) },
    differences: [{ field: 'sampler.seed', a: 0, b: 7 }, { field: 'lpips', a: null, b: [{ file: 'alex.pth' }] }],
  }
  it('lists every field once, flagging the ones the engine found different (a whole object where one side is null)', () => {
    expect(cardRows(diff)).toEqual([
      { field: 'sampler.seed', a: 0, b: 7, differs: true },
      { field: 'sampler.steps', a: 4, b: 4, differs: false },
      { field: 'lpips', a: null, b: [{ file: 'alex.pth' }], differs: true },
      { field: 'backend', a: 'x', b: 'x', differs: false },
    ])
  })
})
