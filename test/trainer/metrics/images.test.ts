import { describe, expect, it } from 'vitest'
import { toUnitPixels, type ImagesNCHW, type ImagesNHWC8 } from '../../../src/trainer/metrics/images'

const signed = (values: number[]): ImagesNCHW => ({ layout: 'nchw-f32-signed', data: Float32Array.from(values), shape: [1, 1, 1, values.length] })

describe('toUnitPixels', () => {
  it('maps [-1, 1] to [0, 1], clamping outside values', () => {
    expect([...toUnitPixels(signed([-2, -1, 0, 1, 3]), 'none').data]).toEqual([0, 0, 0.5, 1, 1])
  })

  it('truncates like .to(torch.uint8) and rounds half up like save_image', () => {
    // 0 → 127.5: truncate 127, round 128; 0.999 → 254.87: truncate 254, round 255
    const x = signed([0, 0.999])
    expect([...toUnitPixels(x, 'truncate').data].map((v) => v * 255)).toEqual([127, 254])
    expect([...toUnitPixels(x, 'round').data].map((v) => Math.round(v * 255))).toEqual([128, 255])
  })

  it('reads NHWC uint8 into NCHW', () => {
    const img: ImagesNHWC8 = { layout: 'nhwc-u8', data: Uint8Array.from([0, 51, 255, 102, 204, 153]), shape: [1, 1, 2, 3] }
    const out = toUnitPixels(img, 'none')
    expect([out.n, out.c, out.h, out.w]).toEqual([1, 3, 1, 2])
    expect([...out.data].map((v) => Math.round(v * 255))).toEqual([0, 102, 51, 204, 255, 153])
  })

  it('rejects data that does not fit the shape', () => {
    expect(() => toUnitPixels({ layout: 'nchw-f32-signed', data: new Float32Array(5), shape: [1, 1, 2, 3] }, 'none')).toThrow(/needs 6/)
  })
})
