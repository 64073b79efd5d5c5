// The ONNX tokenizer contract end to end on a fixture built with our graph writer (test/fixtures/baselines):
// encode/decode through onnxruntime-node vs the same arithmetic in plain JS, BPP, ranges, dtype and error paths.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chwToRgb, OnnxTokenizer, onnxTokenizerMethod, readTokens, rgbToChw, tokenTensor } from '../../../src/trainer/baselines/onnx-tokenizer'
import { parseTokenizerJson } from '../../../src/trainer/baselines/tokenizer-json'
import { tinyDefaults, tinyTokenizerReference, writeTinyTokenizer } from '../../fixtures/baselines/tiny-tokenizer'

let dir: string
let tok: OnnxTokenizer

function randomImage(seed: number, S = 32): { rgb: Uint8Array; h: number; w: number } {
  let s = seed
  const rgb = new Uint8Array(S * S * 3).map(() => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 255)
  return { rgb, h: S, w: S }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiny-tok-'))
  await writeTinyTokenizer(join(dir, 'tiny'))
  tok = await OnnxTokenizer.open(join(dir, 'tiny'), { intraOpNumThreads: 1, device: 'cpu' })
})

afterAll(async () => {
  await tok.release()
  await rm(dir, { recursive: true, force: true })
})

describe('OnnxTokenizer on the tiny fixture', () => {
  it('encodes and decodes as the closed-form reference, in batches of maxBatch', async () => {
    const images = [1, 2, 3, 4, 5].map((s) => randomImage(s)) // 5 > maxBatch 4: two runs
    const out = await tok.reconstruct(images)
    expect(out.length).toBe(5)
    images.forEach((img, i) => {
      const ref = tinyTokenizerReference(img.rgb, tinyDefaults)
      const diff = ref.tokens.map((t, j) => Math.abs(t - out[i].tokens[j]))
      expect(Math.max(...diff)).toBeLessThanOrEqual(1) // Round is half-to-even in ONNX, float32 means
      const same = diff.filter((d) => d === 0).length
      expect(same).toBeGreaterThanOrEqual(ref.tokens.length - 2)
      const decoded = out[i].image.rgb.map((_, k) => {
        const [p, c] = [Math.floor(k / 3), k % 3]
        return out[i].tokens[c * 16 + Math.floor(p / 32 / 8) * 4 + Math.floor((p % 32) / 8)] * 17 // 255/(levels−1) per step
      })
      expect(Buffer.from(out[i].image.rgb).equals(Buffer.from(decoded))).toBe(true)
      if (same === ref.tokens.length) expect(Buffer.from(out[i].image.rgb).equals(Buffer.from(ref.rgb))).toBe(true)
    })
  })

  it('states its BPP: tokens × log2(vocab) / pixels', () => {
    expect(tok.bitsPerPixel).toBe((48 * 4) / (32 * 32))
    const m = onnxTokenizerMethod(tok)
    expect(m.id).toBe('onnx-tiny-avgpool8-q16')
    expect(m.bpp(32)).toBe(0.1875)
    expect(() => m.bpp(64)).toThrow(/takes 32×32 images/)
  })

  it('refuses images of another size', async () => {
    await expect(tok.reconstruct([randomImage(1, 16)])).rejects.toThrow(/takes 32×32 images, got 16×16/)
  })

  it('checks the encoder output against tokenizer.json', async () => {
    const spec = parseTokenizerJson(JSON.stringify({ name: 't', imageSize: 32, inputRange: [-1, 1], tokenCount: 4, vocabSize: 8, tokenDtype: 'int64' }), 't.json')
    expect(readTokens(tokenTensor(Float64Array.of(0, 7, 3, 1), 'int64', [1, 4]), spec, 1)).toEqual(Float64Array.of(0, 7, 3, 1))
    expect(() => readTokens(tokenTensor(Float64Array.of(0, 8, 3, 1), 'int64', [1, 4]), spec, 1)).toThrow(/token 1 is 8, outside the vocabulary 0..7/)
    expect(() => readTokens(tokenTensor(Float64Array.of(0, 1, 3, 1), 'int32', [1, 4]), spec, 1)).toThrow(/encoder output is int32, tokenizer.json says int64/)
    expect(() => readTokens(tokenTensor(Float64Array.of(0, 1, 3), 'int64', [1, 3]), spec, 1)).toThrow(/holds 3 tokens for 1 image/)
  })

  it('opens on the selected device (FLOWMO_DEVICE): on webgpu (lavapipe) it gives the cpu tokens and pixels', async () => {
    process.env.XDG_RUNTIME_DIR ??= dir // Mesa's Vulkan loader wants one
    const before = process.env.FLOWMO_DEVICE
    process.env.FLOWMO_DEVICE = 'webgpu'
    const gpu = await OnnxTokenizer.open(join(dir, 'tiny'), { intraOpNumThreads: 1 }).finally(() => {
      if (before === undefined) delete process.env.FLOWMO_DEVICE
      else process.env.FLOWMO_DEVICE = before
    })
    expect([tok.device, gpu.device]).toEqual(['cpu', 'webgpu'])
    const images = [randomImage(7), randomImage(8)]
    const [a, b] = [await tok.reconstruct(images), await gpu.reconstruct(images)]
    await gpu.release()
    for (const [i, r] of a.entries()) {
      expect(b[i].tokens).toEqual(r.tokens)
      expect(Buffer.from(b[i].image.rgb).equals(Buffer.from(r.image.rgb))).toBe(true)
    }
  })

  it('fails clearly on a folder without tokenizer.json or with a wrong dtype', async () => {
    await expect(OnnxTokenizer.open(dir)).rejects.toThrow(/is not an ONNX tokenizer folder: cannot read tokenizer.json \(ENOENT\)/)
    const wrong = join(dir, 'wrong')
    await writeTinyTokenizer(wrong, tinyDefaults, { tokenDtype: 'int64' })
    const t = await OnnxTokenizer.open(wrong, { intraOpNumThreads: 1 })
    await expect(t.reconstruct([randomImage(9)])).rejects.toThrow(/encoder output is float32, tokenizer.json says int64/)
    await t.release()
    await writeFile(join(wrong, 'decoder.onnx'), 'not a graph')
    await expect(OnnxTokenizer.open(wrong)).rejects.toThrow(/decoder.onnx: cannot load the ONNX graph/)
  })
})

describe('pixel ranges', () => {
  it('[0, 1] and [−1, 1] round trips are lossless on 8-bit pixels', () => {
    const img = randomImage(3, 8)
    for (const range of [[0, 1], [-1, 1]] as const) {
      const x = rgbToChw(img, range)
      expect(Math.min(...x)).toBeGreaterThanOrEqual(range[0])
      expect(Buffer.from(chwToRgb(x, 8, 8, range).rgb).equals(Buffer.from(img.rgb))).toBe(true)
    }
  })
})
