// How the sweep views group cells: a curve per ρ (CFG / interval join the label only when they vary), steps as x,
// gaps as null while cells are missing, metric order and formats.
import { describe, expect, it } from 'vitest'
import type { SweepCellReport } from '../../../../../src/shared/protocol'
import { alignedData, metricsOf, seriesOf, settingText, variesOf } from '../../../../../src/renderer/src/components/sweep/series'

const cell = (steps: number, rho: number, psnr: number, more: Partial<SweepCellReport> = {}): SweepCellReport => ({
  steps, rho, cfg: 1.5, interval: [0.17, 1.02], nfe: steps, timeMsPerImage: steps, metrics: { ssim: 0.5, psnr }, images: [], ...more,
})

describe('sweep series', () => {
  it('one curve per ρ, cells in ascending steps, x = the distinct steps', () => {
    const cells = [cell(10, 1, 20), cell(10, 4, 21), cell(5, 1, 18), null]
    const series = seriesOf(cells)
    expect(series.map((s) => [s.label, s.cells])).toEqual([['ρ 1', [2, 0]], ['ρ 4', [1]]])
    expect(new Set(series.map((s) => s.colour)).size).toBe(2)
    expect(alignedData(cells, series, (c) => c.metrics.psnr)).toEqual([[5, 10], [18, 20], [null, 21]])
  })

  it('names CFG and the interval only when they vary', () => {
    const cells = [cell(5, 4, 20, { cfg: 1 }), cell(5, 4, 21, { cfg: 1.5, interval: null })]
    expect(variesOf(cells)).toEqual({ cfg: true, interval: true })
    expect(seriesOf(cells).map((s) => s.label)).toEqual(['ρ 4 · CFG 1 · σ ∈ [0.17, 1.02]', 'ρ 4 · CFG 1.5 · guided at every step'])
    expect(settingText(cells[1], variesOf(cells))).toBe('steps 5, ρ 4, CFG 1.5, guided at every step')
    expect(settingText(cells[1], variesOf([cells[1]]))).toBe('steps 5, ρ 4')
  })

  it('puts non-finite values as gaps, lists metrics in the registry order', () => {
    const cells = [cell(5, 1, Infinity, { metrics: { lpips_vgg: 0.3, psnr: Infinity, fid: 3, ssim: 1 } })]
    expect(alignedData(cells, seriesOf(cells), (c) => c.metrics.psnr)).toEqual([[5], [null]])
    expect(metricsOf(cells)).toEqual(['psnr', 'ssim', 'lpips_vgg', 'fid'])
  })
})
