// OrtRunner: float feeds in and out by name, and the CUDA request that falls back to CPU with a notice
// where this onnxruntime-node build has no CUDA provider.
import { describe, expect, it } from 'vitest'
import { OnnxGraph } from '../../../src/trainer/export/onnx-graph'
import { encodeModel } from '../../../src/trainer/export/onnx-proto'
import { OrtRunner } from '../../../src/trainer/export/ort-runner'

/** y = x · 2 + z, two inputs with a dynamic batch. */
function model(): Uint8Array {
  const g = new OnnxGraph('g')
  g.addInput('x', [-1, 2])
  g.addInput('z', [-1, 2])
  const [doubled] = g.addNode('Mul', ['x', g.addFloatInitializer('two', Float32Array.of(2), [])])
  g.addNode('Add', [doubled, 'z'], [], ['y'])
  g.addOutput('y', [-1, 2])
  return Buffer.concat(encodeModel(g.toModel()))
}

describe('OrtRunner', () => {
  it('runs named float feeds and returns named outputs with their shapes', async () => {
    const runner = await OrtRunner.load(model())
    expect(runner.device).toBe('cpu')
    expect(runner.inputNames).toEqual(['x', 'z'])
    const { y } = await runner.run({
      x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] },
      z: { data: Float32Array.of(0.5, 0.5, 0.5, 0.5, 0.5, -1), shape: [3, 2] },
    })
    expect(y.shape).toEqual([3, 2])
    expect([...y.data]).toEqual([2.5, 4.5, 6.5, 8.5, 10.5, 11])
    await runner.release()
  })

  it('uses CUDA when asked and present, else says so and runs on CPU', async () => {
    const notices: string[] = []
    const runner = await OrtRunner.load(model(), { device: 'cuda', onNotice: (m) => notices.push(m) })
    if (runner.device === 'cpu') expect(notices.join('\n')).toMatch(/CUDA.*running on CPU/)
    else expect(notices).toEqual([])
    const { y } = await runner.run({ x: { data: Float32Array.of(1, 1), shape: [1, 2] }, z: { data: Float32Array.of(1, 2), shape: [1, 2] } })
    expect([...y.data]).toEqual([3, 4])
    await runner.release()
  })
})
