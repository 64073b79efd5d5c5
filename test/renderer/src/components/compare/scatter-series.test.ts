// The scatter's y axis: PSNR always, rFID / proxy FID when the comparison has them (one point per method, lower is
// better), a metric that did not run offered with its reason but not plotted.
import { describe, expect, it } from 'vitest'
import type { CompareResult } from '../../../../../src/renderer/src/components/compare/compare-result'
import { scatterChoices, scatterSeries, scatterY } from '../../../../../src/renderer/src/components/compare/scatter-series'

const pixels = { pixels: new Uint8Array(3), h: 1, w: 1 }
const tile = (bpp: number, psnr: number) => ({ image: pixels, bpp, psnr, ssim: 0.5, settings: {} })
const method = (id: string, metrics: Record<string, number>) => ({
  id, label: id, name: id.toUpperCase(), colour: '#fff', nominalBpp: 0.1, meanBpp: 0.15, meanPsnr: 21, meanSsim: 0.5, metrics, details: {},
  tiles: [tile(0.1, 20), tile(0.2, 22)],
})
const result = (unavailable: Record<string, string>, ...methods: ReturnType<typeof method>[]): CompareResult => ({
  imageSizePx: 1, targetBpp: 0.1, originals: [pixels, pixels], files: ['a.png', 'b.png'], methods, unavailable, warnings: {}, networks: [],
})

describe('scatter series', () => {
  it('PSNR: each method at its means, each image faint', () => {
    const s = scatterSeries(result({}, method('a', {}), method('b', {})), 'psnr')
    expect(s.means.map((p) => [p.id, p.bpp, p.y])).toEqual([['a', 0.15, 21], ['b', 0.15, 21]])
    expect(s.images.map((p) => [p.bpp, p.y])).toEqual([[0.1, 20], [0.2, 22], [0.1, 20], [0.2, 22]])
    expect(s.axisLabel).toMatch(/higher is better/)
  })

  it('rFID without the Inception weights: offered with the reason, PSNR plotted; the proxy is plotted as proxy FID', () => {
    const r = result({ fid: 'rFID/KID needs pt_inception-2015-12-05-6726825d.pth' }, method('a', { fid_proxy: 30 }), method('b', { fid_proxy: 10 }))
    expect(scatterChoices(r)).toEqual([
      { key: 'psnr', name: 'PSNR', reason: '' },
      { key: 'fid', name: 'rFID', reason: 'rFID/KID needs pt_inception-2015-12-05-6726825d.pth' },
      { key: 'fid_proxy', name: 'proxy FID', reason: '' },
    ])
    expect(scatterY(r, 'fid')).toBe('psnr')
    expect(scatterY(r, 'fid_proxy')).toBe('fid_proxy')
    const s = scatterSeries(r, 'fid_proxy')
    expect(s.means.map((p) => [p.id, p.y])).toEqual([['a', 30], ['b', 10]])
    expect(s.images).toEqual([])
    expect(s.axisLabel).toBe('proxy FID ↓ lower is better')
    expect(s.format(12.345)).toBe('proxy FID 12.35')
  })

  it('rFID where it ran: one point per method that has it; PSNR alone when no FID was asked for', () => {
    const r = result({}, method('a', { fid: 5 }), method('b', { fid: 7 }))
    expect(scatterSeries(r, 'fid').axisLabel).toBe('rFID ↓ lower is better')
    expect(scatterSeries(r, 'fid').means.map((p) => p.y)).toEqual([5, 7])
    expect(scatterChoices(result({}, method('a', {}))).map((c) => c.key)).toEqual(['psnr'])
  })

  it('flags a codec at its floor: the mean counts its floored images, each floored image is marked, the legend is asked for', () => {
    const floored = { ...method('jpeg', { fid: 3 }), tiles: [{ ...tile(0.6, 25), settings: { belowFloor: true } }, tile(0.1, 20)] }
    const r = result({}, method('a', { fid: 5 }), floored)
    const s = scatterSeries(r, 'psnr')
    expect(s.means.map((p) => [p.id, p.floors])).toEqual([['a', 0], ['jpeg', 1]])
    expect(s.images.map((p) => p.floors)).toEqual([0, 0, 1, 0])
    expect(s.floors).toBe(true)
    expect(scatterSeries(r, 'fid').floors).toBe(true)
    expect(scatterSeries(result({}, method('a', {})), 'psnr').floors).toBe(false)
  })
})
