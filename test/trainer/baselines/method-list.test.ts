// Method lists as the CLI names them, and opening them: the codec target and image size taken from an ONNX
// tokenizer unless given, and clear errors when nothing fixes them or the sizes disagree.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMethods, parseMethodList } from '../../../src/trainer/baselines/method-list'
import { writeTinyTokenizer } from '../../fixtures/baselines/tiny-tokenizer'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'method-list-'))
  await writeTinyTokenizer(join(dir, 'tok'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('parseMethodList', () => {
  it('reads flowmo, codecs and onnx:<dir>', () => {
    expect(parseMethodList('flowmo, jpeg,webp,avif,onnx:/x/y')).toEqual([
      { kind: 'flowmo' }, { kind: 'codec', codec: 'jpeg' }, { kind: 'codec', codec: 'webp' }, { kind: 'codec', codec: 'avif' }, { kind: 'onnx', dir: '/x/y' },
    ])
  })

  it('rejects unknown and repeated methods', () => {
    expect(() => parseMethodList('jpeg,png')).toThrow("unknown method 'png' (methods: flowmo, jpeg, webp, avif, onnx:<tokenizer folder>)")
    expect(() => parseMethodList('jpeg,webp,jpeg')).toThrow("method 'jpeg' is listed twice")
    expect(() => parseMethodList('onnx:')).toThrow(/unknown method 'onnx:'/)
  })
})

describe('openMethods', () => {
  it('takes the size and the codec target from the tokenizer', async () => {
    const opened = await openMethods(parseMethodList(`webp,onnx:${join(dir, 'tok')}`), {})
    expect(opened.imageSizePx).toBe(32)
    expect(opened.targetBpp).toBe(0.1875)
    expect(opened.methods.map((m) => m.id)).toEqual(['webp', 'onnx-tiny-avgpool8-q16'])
    expect(opened.methods[0].bpp(32)).toBe(0.1875)
    await Promise.all(opened.methods.map((m) => m.dispose()))
  })

  it('an explicit rate wins; explicit size must agree with the tokenizer', async () => {
    const opened = await openMethods(parseMethodList('jpeg,webp'), { targetBpp: 0.5, imageSizePx: 64 })
    expect([opened.imageSizePx, opened.targetBpp, opened.methods[1].bpp(64)]).toEqual([64, 0.5, 0.5])
    await expect(openMethods(parseMethodList(`jpeg,onnx:${join(dir, 'tok')}`), { imageSizePx: 64 })).rejects.toThrow(/different image sizes \(64 and 32\)/)
  })

  it('says what is missing', async () => {
    await expect(openMethods(parseMethodList('jpeg,webp'), { targetBpp: 0.1 })).rejects.toThrow(/no method fixes the image size/)
    await expect(openMethods(parseMethodList('jpeg,webp'), { imageSizePx: 32 })).rejects.toThrow(/codecs need a target bit rate/)
    await expect(openMethods(parseMethodList('flowmo,jpeg'), { imageSizePx: 32 })).rejects.toThrow(/the method flowmo needs a checkpoint/)
    await expect(openMethods(parseMethodList(`jpeg,onnx:${join(dir, 'none')}`), {})).rejects.toThrow(/is not an ONNX tokenizer folder/)
  })
})
