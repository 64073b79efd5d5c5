// With a CFG-dropped sample (keep = 0: the null code, mask channel included), the graph's loss and gradients
// equal the tfjs training loss (train/stage1a.ts `stage1aLoss`, no perceptual term) under tf.variableGrads.
import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { FlowMo } from '../../../../src/trainer/model/flowmo'
import { findGoldenSets, loadGoldenSet } from '../../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../../src/trainer/parity/golden-dir'
import { compareArrays } from '../../../../src/trainer/parity/tolerances'
import { ADAM_DEFAULTS } from '../../../../src/trainer/train/optim'
import { stage1aLoss } from '../../../../src/trainer/train/stage1a'
import { registerGradients } from '../../../../src/trainer/backends/gradients'
import { goldenWeights, runGoldenStep } from './golden-step'

describe('CFG dropout in the gradient graph', () => {
  it('matches tfjs variableGrads over the Stage-1A loss with one sample dropped', async () => {
    registerGradients()
    await tf.setBackend('cpu')
    const set = await loadGoldenSet(findGoldenSets(goldenDir())[0])
    const weights = await goldenWeights(set)
    const keep = Float32Array.of(0, 1)
    const { graph, out } = await runGoldenStep(set, weights, { adam: ADAM_DEFAULTS, update: false, gradOutputs: true }, { keep })
    const model = new FlowMo(set.config)
    const vars = new Map(model.parameters().map((p) => [p.name, tf.variable(tf.tensor(weights.get(p.name)!, [...p.shape]))]))
    const io = (n: string) => set.io.get(n)!
    const x = tf.tensor4d(io('x').data, io('x').shape as [number, number, number, number])
    const draw = { eps: io('eps').data, t: io('t').data, keep }
    const ctx = { model, weights: vars, perceptual: null, perceptualWeight: 0 }
    const { value, grads } = tf.variableGrads(() => stage1aLoss(ctx, x, draw).total)
    expect(compareArrays('total_loss', out('total_loss'), value.dataSync()).ok).toBe(true)
    expect(Math.abs(out('total_loss')[0] - io('total_loss').data[0])).toBeGreaterThan(1e-4) // dropping changed the loss
    const failed = graph.layout.entries
      .map(({ ref }) => compareArrays(`grad/${ref.name}`, graph.layout.unpack(out('grad'), ref.name), grads[vars.get(ref.name)!.name].dataSync()))
      .filter((r) => !r.ok)
      .map((r) => `${r.tensor}: rel ${r.rel.toExponential(2)}`)
    expect(failed).toEqual([])
    tf.dispose([x, value, ...Object.values(grads), ...vars.values()])
  })
})
