// Method lists as the CLI names them, and opening them: the codec target and image size taken from an ONNX
// tokenizer unless given, and clear errors when nothing fixes them or the sizes disagree.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { openMethods, parseMethodList } from '../../../src/trainer/baselines/method-list'
import { decodeImage, resizeShorterSide } from '../../../src/trainer/data/images'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { writeTinyTokenizer } from '../../fixtures/baselines/tiny-tokenizer'
import { bundledCheckpoint } from '../../fixtures/models/second-checkpoint'

let dir: string
beforeAll(async () => {
  await initBackend()
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

  it('reads flowmo:<label>=<checkpoint> and flowmo:<checkpoint> (label: the file name)', () => {
    expect(parseMethodList('flowmo:step-20k=/r/a=b.pth,flowmo:/runs/x/step-010000.safetensors,flowmo:C:/m=n/x.pth')).toEqual([
      { kind: 'flowmo', checkpoint: '/r/a=b.pth', label: 'step-20k' },
      { kind: 'flowmo', checkpoint: '/runs/x/step-010000.safetensors', label: 'step-010000' },
      { kind: 'flowmo', checkpoint: 'C:/m=n/x.pth', label: 'x' }, // 'C:/m' is no label: the whole text is the path
    ])
    expect(() => parseMethodList('flowmo:a=')).toThrow(/names no checkpoint/)
    expect(() => parseMethodList('flowmo:/a/step-1.pth,flowmo:/b/step-1.pth')).toThrow(
      "method 'flowmo-step-1' is listed twice: give each checkpoint its own label (flowmo:<label>=<checkpoint>)")
    expect(parseMethodList('flowmo,flowmo:Step 1=/a.pth').map((s) => s.kind)).toEqual(['flowmo', 'flowmo'])
  })

  it('rejects unknown and repeated methods', () => {
    expect(() => parseMethodList('jpeg,png')).toThrow("unknown method 'png' (methods: flowmo, flowmo:[<label>=]<checkpoint>, jpeg, webp, avif, onnx:<tokenizer folder>)")
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
    await expect(openMethods(parseMethodList('flowmo:/x.pth,jpeg'), {})).rejects.toThrow(/flowmo:<checkpoint> methods cannot be opened here/)
  })

  it('opens flowmo:<checkpoint> beside the request\'s model: same weights and noise give the same pixels; each model disposed once', async () => {
    const model = await TfModel.open({ checkpoint: bundledCheckpoint })
    const opened: TfModel[] = []
    const openCheckpoint = async (checkpoint: string) => {
      const m = await TfModel.open({ checkpoint })
      opened.push(m)
      return m
    }
    const list = parseMethodList(`flowmo,flowmo:again=${bundledCheckpoint},jpeg`)
    const { methods, imageSizePx, targetBpp } = await openMethods(list, { model, openCheckpoint, flowmo: { sampling: { steps: 1 }, seed: 2 } })
    expect(methods.map((m) => m.id)).toEqual(['flowmo', 'flowmo-again', 'jpeg'])
    expect(methods[1].label).toBe(`FlowMo again (${model.config.name})`)
    expect([imageSizePx, targetBpp, opened.length]).toEqual([64, model.info.bitsPerPixel, 1])
    const image = resizeShorterSide(await decodeImage(join(goldenDir(), '..', 'data', 'photos', 'val-64', 'val64_0002.png')), 64)
    const [a] = await methods[0].reconstruct([image], { firstIndex: 3 })
    const [b] = await methods[1].reconstruct([image], { firstIndex: 3 })
    expect(Buffer.from(b.image.rgb).equals(Buffer.from(a.image.rgb))).toBe(true)
    await Promise.all(methods.map((m) => m.dispose()))
    expect(opened[0].weights.size).toBe(0) // disposeWeightMap empties the map
  })
})
