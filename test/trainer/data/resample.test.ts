import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resizeBilinear } from '../../../src/trainer/data/resample'

interface Case { h: number; w: number; sizePx: number; outH: number; outW: number; src: string; out: string }
const golden = JSON.parse(readFileSync(new URL('../../fixtures/images/resample-golden.json', import.meta.url), 'utf8')) as { cases: Case[] }

describe('resizeBilinear', () => {
  it.each(golden.cases.map((c) => [`${c.h}×${c.w} → ${c.outH}×${c.outW}`, c] as const))('is bit-exact with Pillow BILINEAR: %s', (_, c) => {
    const src = new Uint8Array(Buffer.from(c.src, 'base64'))
    const want = new Uint8Array(Buffer.from(c.out, 'base64'))
    const got = resizeBilinear(src, c.h, c.w, c.outH, c.outW)
    let maxDiff = 0
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]))
    expect(got.length).toBe(want.length)
    expect(maxDiff).toBe(0)
  })

  it('keeps a flat image flat and copies when the size is unchanged', () => {
    const flat = new Uint8Array(30 * 20 * 3).fill(77)
    expect(resizeBilinear(flat, 30, 20, 11, 7).every((v) => v === 77)).toBe(true)
    const same = resizeBilinear(flat, 30, 20, 30, 20)
    expect(same).toEqual(flat)
    expect(same).not.toBe(flat)
  })
})
