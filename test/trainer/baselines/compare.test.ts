// compareMethods: every method on the same images, actual BPP and metrics per image and on average.
import { describe, expect, it } from 'vitest'
import { codecMethod } from '../../../src/trainer/baselines/codecs'
import { compareMethods, reconstructionScores } from '../../../src/trainer/baselines/compare'
import type { Method } from '../../../src/trainer/baselines/method'

const image = (seed: number) => ({ rgb: new Uint8Array(32 * 32 * 3).map((_, i) => 128 + Math.round(60 * Math.sin(i * 0.01 * seed))), h: 32, w: 32 })

/** Adds a constant to every pixel, so its PSNR is known exactly: 20·log10(255 / delta). */
const offset = (delta: number): Method => ({
  id: `offset-${delta}`, label: 'offset', settings: {}, bpp: () => 1,
  reconstruct: async (imgs) => imgs.map((img) => ({ image: { ...img, rgb: img.rgb.map((v) => v + delta) }, bpp: 1 + delta, settings: {} })),
  dispose: async () => {},
})

describe('compareMethods', () => {
  it('scores each reconstruction against its original and averages per method', async () => {
    const images = [image(1), image(2)]
    const progress: string[] = []
    const res = await compareMethods(images, [offset(4), codecMethod('jpeg', () => 3)], { onProgress: (d, t, m) => progress.push(`${d}/${t} ${m}`) })
    expect(progress).toEqual(['1/2 offset-4', '2/2 jpeg'])
    expect(res[0].meanPsnr).toBeCloseTo(20 * Math.log10(255 / 4), 10)
    expect(res[0].reconstructions.map((r) => r.bpp)).toEqual([5, 5])
    expect(res[1].nominalBpp).toBe(3)
    expect(res[1].meanBpp).toBeCloseTo((res[1].reconstructions[0].bpp + res[1].reconstructions[1].bpp) / 2, 12)
    expect(res[1].meanSsim).toBeGreaterThan(0.5)
    expect(res[1].meanSsim).toBeLessThan(1)
  })

  it('reconstructs in chunks of 8 images, each call told its first index, with progress after each chunk', async () => {
    const calls: [number, number][] = []
    const indexed: Method = {
      ...offset(0), id: 'indexed',
      reconstruct: async (imgs, context = {}) => {
        calls.push([context.firstIndex ?? 0, imgs.length])
        return imgs.map((img, i) => ({ image: img, bpp: 1, settings: { index: (context.firstIndex ?? 0) + i } }))
      },
    }
    const progress: string[] = []
    const second = { ...indexed, id: 'second' }
    const [res] = await compareMethods(Array.from({ length: 10 }, (_, i) => image(i + 1)), [indexed, second], { onImages: (d, t, m) => progress.push(`${d}/${t} ${m}`) })
    expect(calls).toEqual([[0, 8], [8, 2], [0, 8], [8, 2]])
    expect(progress).toEqual(['8/20 indexed', '10/20 indexed', '18/20 second', '20/20 second']) // over all methods
    expect(res.reconstructions.map((r) => r.settings.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('an identical image scores PSNR ∞ and SSIM 1', () => {
    expect(reconstructionScores(image(3), image(3))).toEqual({ psnr: Infinity, ssim: 1 })
  })
})
