// The protobuf writer against the wire format (field tags, int64 varints, fixed32 floats, external
// data entries) and the graph builder's naming; attribute kinds are checked by running them in onnxruntime.
import { describe, expect, it } from 'vitest'
import { attr, OnnxGraph } from '../../../src/trainer/export/onnx-graph'
import { encodeModel } from '../../../src/trainer/export/onnx-proto'
import { OrtRunner } from '../../../src/trainer/export/ort-runner'

const bytesOf = (g: OnnxGraph, external = new Map()) => Buffer.concat(encodeModel(g.toModel(), external))

describe('encodeModel', () => {
  it('opens with ir_version 8 and the producer name', () => {
    const bytes = bytesOf(new OnnxGraph('g'))
    expect([...bytes.subarray(0, 2)]).toEqual([0x08, 0x08]) // field 1, varint 8
    expect([...bytes.subarray(2, 4)]).toEqual([0x12, 13]) // field 2, 13 bytes
    expect(bytes.subarray(4, 17).toString()).toBe('flowmo-studio')
    expect(bytes.includes(Buffer.from([0x42, 0x04, 0x0a, 0x00, 0x10, 17]))).toBe(true) // opset_import {domain "", version 17}
  })

  it('writes negative ints as ten-byte varints and floats as little-endian fixed32', () => {
    const g = new OnnxGraph('g')
    g.addNode('Softmax', ['x'], [attr.int('axis', -1), attr.float('epsilon', 0.5)])
    const bytes = bytesOf(g)
    expect(bytes.includes(Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(true)
    expect(bytes.includes(Buffer.from([0x15, 0x00, 0x00, 0x00, 0x3f]))).toBe(true) // 0.5f
  })

  it('replaces raw_data by external_data entries and data_location EXTERNAL', () => {
    const g = new OnnxGraph('g')
    g.addFloatInitializer('w', new Float32Array(4).fill(7), [4])
    const inline = bytesOf(g)
    const external = bytesOf(g, new Map([['w', { location: 'm.onnx.data', offset: 4096, length: 16 }]]))
    expect(inline.includes(Buffer.from(new Float32Array(4).fill(7).buffer))).toBe(true)
    expect(external.includes(Buffer.from(new Float32Array(4).fill(7).buffer))).toBe(false)
    for (const s of ['location', 'm.onnx.data', 'offset', '4096', 'length', '16']) expect(external.includes(Buffer.from(s))).toBe(true)
    expect(external.includes(Buffer.from([0x70, 0x01]))).toBe(true) // field 14 = 1
  })

  it('rejects opsets below 17', () => {
    expect(() => encodeModel({ ...new OnnxGraph('g').toModel(), opset: 13 })).toThrow(/opset must be ≥ 17/)
  })
})

describe('attributes run in onnxruntime', () => {
  it('STRING (Pad mode), FLOATS (Constant value_floats), FLOAT (LeakyRelu alpha), INTS (Transpose perm)', async () => {
    const g = new OnnxGraph('g')
    g.addInput('x', [2, 3])
    const [padded] = g.addNode('Pad', ['x', g.addInt64Initializer('pads', [0, 1, 0, 1])], [attr.string('mode', 'reflect')]) // [2, 5]
    const [offsets] = g.addNode('Constant', [], [attr.floats('value_floats', [-10, 0, 10, 0, -10])])
    const [leaky] = g.addNode('LeakyRelu', [g.addNode('Add', [padded, offsets])[0]], [attr.float('alpha', 0.25)])
    g.addNode('Transpose', [leaky], [attr.ints('perm', [1, 0])], ['y']) // [5, 2]
    g.addOutput('y', [5, 2])
    const runner = await OrtRunner.load(bytesOf(g))
    const { y } = await runner.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] } })
    // reflect-padded rows [2 1 2 3 2] and [5 4 5 6 5], plus offsets, leaky below 0, transposed
    const rows = [[2, 1, 2, 3, 2], [5, 4, 5, 6, 5]].map((r) => r.map((v, i) => v + [-10, 0, 10, 0, -10][i]).map((v) => (v < 0 ? v * 0.25 : v)))
    expect(y.shape).toEqual([5, 2])
    expect([...y.data]).toEqual([0, 1, 2, 3, 4].flatMap((i) => [rows[0][i], rows[1][i]]))
    await runner.release()
  })
})

describe('OnnxGraph', () => {
  it('hands out unique names and refuses to reuse one', () => {
    const g = new OnnxGraph('g')
    expect([g.uniqueName('a'), g.uniqueName('a'), g.uniqueName('a')]).toEqual(['a', 'a_1', 'a_2'])
    const [out] = g.addNode('Relu', ['x'])
    expect(g.addNode('Relu', [out])[0]).not.toBe(out)
    g.addInput('x', [1])
    expect(() => g.addInput('x', [1])).toThrow(/"x" is already used/)
    g.reserve('w') // a reserved name is taken once, by an initializer or an input (a weight fed as input)
    expect(g.addInitializer({ name: 'w', dataType: 1, dims: [1], data: Float32Array.of(1) })).toBe('w')
    expect(() => g.addInput('w', [1])).toThrow(/"w" is already used/)
    g.reserve('p')
    expect(g.addInput('p', [1])).toBe('p')
    expect(() => g.addInitializer({ name: 'p', dataType: 1, dims: [1], data: Float32Array.of(1) })).toThrow(/"p" is already used/)
  })
})
