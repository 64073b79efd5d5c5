// The compare report as the views read it: pixels per tile, short method names, captions (with LPIPS when it ran),
// the codec's window, and the set-metric columns (proxies named so).
import { describe, expect, it } from 'vitest'
import type { CompareReport } from '../../../../../src/shared/protocol'
import { compareResult, floorCount, matchWindow, metricColumns, tileCaption } from '../../../../../src/renderer/src/components/compare/compare-result'

const rgb = new Uint8Array(2 * 2 * 3).fill(9)
const rec = (bpp: number, psnr: number, settings: Record<string, number | boolean | null | string>, lpips?: Record<string, number>) => ({ image: { rgb, h: 2, w: 2 }, bpp, psnr, ssim: 0.5, settings, lpips })
const report: CompareReport = {
  imageSizePx: 2, targetBpp: 0.1, originals: [{ pixels: rgb, h: 2, w: 2 }],
  methods: [
    {
      id: 'flowmo', label: 'FlowMo tiny-a', nominalBpp: 0.1, meanBpp: 0.1, meanPsnr: 20, meanSsim: 0.5, settings: {},
      metrics: { lpips_alex: 0.21, fid_proxy: 12.345 }, details: {}, reconstructions: [rec(0.1, 20, { nfe: 6 }, { alex: 0.21 })],
    },
    {
      id: 'jpeg', label: 'JPEG near the target bit rate', nominalBpp: 0.1, meanBpp: 2, meanPsnr: Infinity, meanSsim: 1, settings: {}, metrics: {}, details: {},
      reconstructions: [rec(2, Infinity, { quality: 1, targetBpp: 0.1, belowFloor: true, aboveCeiling: false, bppBelowTarget: null, bppAboveTarget: 2 })],
    },
    {
      id: 'onnx-tiny', label: 'tiny (ONNX, 48 tokens × 4 bits)', nominalBpp: 0.19, meanBpp: 0.19, meanPsnr: 18, meanSsim: 0.4, settings: {},
      metrics: { lpips_alex: 0.3, lpips_vgg: 0.4 }, details: {}, reconstructions: [rec(0.19, 18, {}, { alex: 0.3, vgg: 0.4 })],
    },
  ],
  unavailable: { fid: 'rFID/KID needs pt_inception-2015-12-05-6726825d.pth' }, warnings: {}, networks: [],
}

describe('compareResult', () => {
  const result = compareResult(report, ['C:\\photos\\b\\sheep.jpg'])

  it('names each original by its file (either separator)', () => {
    expect(result.files).toEqual(['sheep.jpg'])
  })

  it('counts the images a codec could not bring down to the target (its floor)', () => {
    expect(result.methods.map(floorCount)).toEqual([0, 1, 0])
  })

  it('keeps the reconstructions as drawable pixels under short names with distinct colours', () => {
    expect(result.methods.map((m) => m.name)).toEqual(['FlowMo tiny-a', 'JPEG', 'tiny'])
    expect(result.methods[1].tiles[0].image).toEqual({ pixels: rgb, h: 2, w: 2 })
    expect(new Set(result.methods.map((m) => m.colour)).size).toBe(3)
  })

  it('captions a codec tile with its actual BPP, quality, floor and scores', () => {
    expect(tileCaption(result.methods[1].tiles[0])).toEqual({ rate: '2.0000 bpp · q1', match: 'floor: smallest file is above 0.1000', scores: 'PSNR ∞ dB · SSIM 0.500', perceptual: '' })
    expect(matchWindow(result.methods[1].tiles[0])).toEqual({ below: null, above: 2 })
  })

  it('captions a tokenizer tile without a rate search', () => {
    expect(tileCaption(result.methods[0].tiles[0])).toEqual({ rate: '0.1000 bpp', match: '', scores: 'PSNR 20.00 dB · SSIM 0.500', perceptual: 'LPIPS alex 0.2100' })
    expect(matchWindow(result.methods[0].tiles[0])).toBeNull()
    expect(tileCaption(result.methods[2].tiles[0]).perceptual).toBe('LPIPS alex 0.3000 · vgg 0.4000')
  })

  it('lists the metric columns some method has, in a fixed order, and keeps the reasons others did not run', () => {
    expect(metricColumns(result)).toEqual(['lpips_alex', 'lpips_vgg', 'fid_proxy'])
    expect(result.unavailable.fid).toMatch(/pt_inception/)
  })
})
