// The compare report as the views read it: pixels per tile, short method names, captions and the codec's window.
import { describe, expect, it } from 'vitest'
import type { CompareReport } from '../../../../../src/shared/protocol'
import { compareResult, matchWindow, tileCaption } from '../../../../../src/renderer/src/components/compare/compare-result'

const rgb = new Uint8Array(2 * 2 * 3).fill(9)
const rec = (bpp: number, psnr: number, settings: Record<string, number | boolean | null | string>) => ({ image: { rgb, h: 2, w: 2 }, bpp, psnr, ssim: 0.5, settings })
const report: CompareReport = {
  imageSizePx: 2, targetBpp: 0.1, originals: [{ pixels: rgb, h: 2, w: 2 }],
  methods: [
    { id: 'flowmo', label: 'FlowMo tiny-a', nominalBpp: 0.1, meanBpp: 0.1, meanPsnr: 20, meanSsim: 0.5, settings: {}, reconstructions: [rec(0.1, 20, { nfe: 6 })] },
    {
      id: 'jpeg', label: 'JPEG at matched bit rate', nominalBpp: 0.1, meanBpp: 2, meanPsnr: Infinity, meanSsim: 1, settings: {},
      reconstructions: [rec(2, Infinity, { quality: 1, targetBpp: 0.1, belowFloor: true, aboveCeiling: false, bppBelowTarget: null, bppAboveTarget: 2 })],
    },
    { id: 'onnx-tiny', label: 'tiny (ONNX, 48 tokens × 4 bits)', nominalBpp: 0.19, meanBpp: 0.19, meanPsnr: 18, meanSsim: 0.4, settings: {}, reconstructions: [rec(0.19, 18, {})] },
  ],
}

describe('compareResult', () => {
  const result = compareResult(report)

  it('keeps the reconstructions as drawable pixels under short names with distinct colours', () => {
    expect(result.methods.map((m) => m.name)).toEqual(['FlowMo tiny-a', 'JPEG', 'tiny'])
    expect(result.methods[1].tiles[0].image).toEqual({ pixels: rgb, h: 2, w: 2 })
    expect(new Set(result.methods.map((m) => m.colour)).size).toBe(3)
  })

  it('captions a codec tile with its actual BPP, quality, floor and scores', () => {
    expect(tileCaption(result.methods[1].tiles[0])).toEqual({ rate: '2.0000 bpp · q1', match: 'floor: smallest file is above 0.1000', scores: 'PSNR ∞ dB · SSIM 0.500' })
    expect(matchWindow(result.methods[1].tiles[0])).toEqual({ below: null, above: 2 })
  })

  it('captions a tokenizer tile without a rate search', () => {
    expect(tileCaption(result.methods[0].tiles[0])).toEqual({ rate: '0.1000 bpp', match: '', scores: 'PSNR 20.00 dB · SSIM 0.500' })
    expect(matchWindow(result.methods[0].tiles[0])).toBeNull()
  })
})
