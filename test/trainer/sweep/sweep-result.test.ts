// Best-cell marking (higher PSNR/SSIM, lower LPIPS/FID/KID wins, as src/shared/metrics.ts says; the first cell on a tie, NaN never) and the
// per-cell protocol card rebuilt from the shared one.
import { describe, expect, it } from 'vitest'
import { bestCells, cellCard, markBest, type SweepCard, type SweepCell } from '../../../src/trainer/sweep/sweep-result'

const cell = (metrics: Record<string, number>) => ({ metrics })

describe('best cells', () => {
  it('marks the best cell per metric, the first on a tie, never a NaN', () => {
    const cells = [cell({ psnr: 20, lpips_alex: 0.3, fid: NaN }), cell({ psnr: 25, lpips_alex: 0.3, fid: 9 }), cell({ psnr: 25, lpips_alex: 0.2, fid: 12 })]
    expect(bestCells(cells)).toEqual({ psnr: { cell: 1, value: 25 }, lpips_alex: { cell: 2, value: 0.2 }, fid: { cell: 1, value: 9 } })
    const marked = markBest(cells)
    expect(marked.cells.map((c) => c.best)).toEqual([[], ['psnr', 'fid'], ['lpips_alex']])
  })

  it('rebuilds one cell\'s full card from the shared card', () => {
    const protocol = { sampler: { seed: 7, noise: 'n' }, backend: 'tfjs-wasm' } as unknown as SweepCard
    const c = { steps: 4, rho: 4, cfg: 1.5, interval: [0.17, 1.02], schedule: 'pow_0.25', cfgIntervalT: [0.1453, 0.505] } as unknown as SweepCell
    expect(cellCard({ protocol }, c).sampler).toEqual({
      steps: 4, rho: 4, cfg: 1.5, cfgInterval: [0.1453, 0.505], seed: 7, noise: 'n', schedule: 'pow_0.25', cfgIntervalSigma: '(0.17,1.02)',
    })
    expect(cellCard({ protocol }, { ...c, interval: null, cfgIntervalT: null }).sampler.cfgIntervalSigma).toBeNull()
  })
})
