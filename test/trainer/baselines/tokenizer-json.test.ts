// tokenizer.json validation: defaults, BPP from vocabulary or bits per token, and clear errors naming the fields.
import { describe, expect, it } from 'vitest'
import { parseTokenizerJson, tokenizerBpp } from '../../../src/trainer/baselines/tokenizer-json'

const llamagen = { name: 'llamagen-vq16', imageSize: 256, inputRange: [-1, 1], tokenCount: 256, vocabSize: 16384, tokenDtype: 'int64', tokenShape: [16, 16] }
const parse = (o: object) => parseTokenizerJson(JSON.stringify(o), 'tok/tokenizer.json')

describe('parseTokenizerJson', () => {
  it('reads a LlamaGen VQ-16 description with defaults filled in', () => {
    const spec = parse(llamagen)
    expect(spec.bitsPerToken).toBe(14)
    expect(tokenizerBpp(spec)).toBeCloseTo(0.0546875, 12) // 16·16·14 / 256² (reference spec §8: 0.0547)
    expect(spec.outputRange).toEqual([-1, 1])
    expect(spec.layout).toBe('NCHW')
    expect(spec.maxBatch).toBe(1)
    expect(spec.encoder).toEqual({ file: 'encoder.onnx', input: null, output: null })
    expect(spec.tokenShape).toEqual([16, 16])
  })

  it('takes bitsPerToken for lookup-free codes and a [0, 1] range (TiTok)', () => {
    const spec = parse({ name: 'magvit2', imageSize: 256, inputRange: [0, 1], tokenCount: 256, bitsPerToken: 18, tokenDtype: 'float32' })
    expect(tokenizerBpp(spec)).toBeCloseTo(0.0703125, 12)
    expect(spec.vocabSize).toBeNull()
    expect(spec.inputRange).toEqual([0, 1])
    expect(spec.tokenShape).toEqual([256])
  })

  it('lists every problem in one error naming the file', () => {
    const bad = { name: '', imageSize: 0, inputRange: [0, 255], tokenCount: 256, vocabSize: 16384, bitsPerToken: 14, tokenDtype: 'uint8', layout: 'NHWC', colour: 1 }
    let message = ''
    try {
      parse(bad)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message.startsWith('tok/tokenizer.json: ')).toBe(true)
    for (const part of ['unknown field "colour"', '"layout" must be "NCHW"', '"name" must be', '"imageSize" must be a positive integer', '"inputRange" must be', 'exactly one of "vocabSize"', '"tokenDtype" must be']) {
      expect(message).toContain(part)
    }
  })

  it('rejects a token shape that does not hold tokenCount, a file outside the folder, bad JSON', () => {
    expect(() => parse({ ...llamagen, tokenShape: [16, 8] })).toThrow(/"tokenShape" \[16,8\] holds 128 tokens, "tokenCount" is 256/)
    expect(() => parse({ ...llamagen, decoder: { file: '../x.onnx' } })).toThrow(/"decoder.file" must be a file inside/)
    expect(() => parseTokenizerJson('{name:', 'x.json')).toThrow(/^x.json: not valid JSON/)
    expect(() => parseTokenizerJson('[1]', 'x.json')).toThrow(/expected a JSON object/)
  })
})
