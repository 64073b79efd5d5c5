// The `flowmo compare` table on a hand-made result: columns only for the metrics that ran, rFID/KID titled apart
// from their proxies, infinite PSNR capped, codec floor counts, and the reasons a metric did not run.
import { describe, expect, it } from 'vitest'
import type { MethodComparison, Scored } from '../../../src/trainer/baselines/compare'
import { formatCompare } from '../../../src/trainer/baselines/print-compare'
import type { CompareResult } from '../../../src/trainer/baselines/run-compare'

const image = { rgb: new Uint8Array(3), h: 1, w: 1 }
const rec = (bpp: number, settings: Scored['settings'] = {}): Scored => ({ image, bpp, psnr: 30, ssim: 0.9, settings })

function method(id: string, o: Partial<MethodComparison>): MethodComparison {
  return { id, label: id, settings: {}, nominalBpp: 0.5, meanBpp: 0.5, meanPsnr: 30, meanSsim: 0.9, metrics: {}, details: {}, reconstructions: [rec(0.5), rec(0.5)], ...o }
}

const result = (methods: MethodComparison[], extra: Partial<CompareResult> = {}): CompareResult => ({
  imageSizePx: 32, targetBpp: 0.5, originals: [], methods, unavailable: {}, warnings: {}, networks: [], ...extra,
})

const columns = (text: string) => text.split('\n')[0].trim().split(/\s{2,}/)

describe('formatCompare', () => {
  it('titles real FID/KID as rFID/KID, caps PSNR, marks a metric a method lacks, counts images below a codec floor', () => {
    const jpeg = method('jpeg', {
      settings: { codec: 'jpeg' }, meanBpp: 0.75, meanPsnr: Infinity, metrics: { fid: 12.5, kid: 0.01 },
      reconstructions: [rec(1, { belowFloor: true }), rec(0.5, { belowFloor: false })],
    })
    const text = formatCompare(result([method('flowmo', { metrics: { fid: 20 } }), jpeg], { unavailable: { lpips_alex: 'needs alexnet.pth' } }))
    expect(columns(text)).toEqual(['method', 'stated bpp', 'bpp', 'psnr', 'ssim', 'rFID', 'KID'])
    const rows = text.split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/))
    expect(rows).toEqual([['flowmo', '0.5000', '0.5000', '30.00', '0.9000', '20.00', '-'], ['jpeg', '0.5000', '0.7500', '100.00', '0.9000', '12.50', '0.01000']])
    expect(text).toContain("jpeg: 1 of 2 images below the codec's lowest rate")
    expect(text).toContain('not computed: lpips_alex: needs alexnet.pth')
    expect(text).toContain('0 images at 32px, codec target 0.5000 bpp')
    expect(text).not.toContain('proxy')
  })

  it('titles the offline proxies as proxy FID/KID with their caveat, and names no codec target without a codec', () => {
    const text = formatCompare(result([method('flowmo', { metrics: { fid_proxy: 3, kid_proxy: 0.2, lpips_vgg: 0.4 } })], { warnings: { fid_proxy: 'singular' } }))
    expect(columns(text)).toEqual(['method', 'stated bpp', 'bpp', 'psnr', 'ssim', 'LPIPS (VGG)', 'proxy FID', 'proxy KID'])
    expect(text).toContain('proxy FID/KID: offline MobileNetV2 features')
    expect(text).toContain('note: fid_proxy: singular')
    expect(text).not.toContain('codecs matched')
  })
})
