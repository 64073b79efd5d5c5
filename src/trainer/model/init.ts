// Fresh FlowMo weights as the reference initialises them (spec §2.6): PyTorch nn.Linear defaults
// (kaiming-uniform a=√5 → U(−1/√fan_in, 1/√fan_in) for weight and bias), Modulation gate rows zeroed
// (models.py:198-201, adaLN-zero on the gates only), RMSNorm scales 1. Seeded: one stream per parameter.
import * as tf from '@tensorflow/tfjs-core'
import { Rng } from '../data/rng'
import type { FlowMo } from './flowmo'
import type { ParamRef } from './ops'
import { numel } from './params'
import type { WeightMap } from './weights'

const INIT_STREAM = 7 // keeps init draws apart from data-order / crop streams under the same seed

/** Fresh weights for every parameter of `model` as trainable tf.Variables, keyed by PyTorch name. */
export function initWeights(model: FlowMo, seed: number): WeightMap {
  const params = model.parameters()
  const fanIn = new Map(params.filter((p) => p.name.endsWith('.weight')).map((p) => [p.name, p.shape[1] ?? 1]))
  const map: WeightMap = new Map()
  params.forEach((ref, i) => {
    const data = initialValues(ref, fanIn, Rng.fromSeed(seed, INIT_STREAM, i))
    const t = tf.tensor(data, [...ref.shape], 'float32')
    map.set(ref.name, tf.variable(t, true))
    t.dispose() // the variable holds its own reference to the data
  })
  return map
}

/** Values of one parameter: RMSNorm scale → 1; Linear weight/bias → U(±1/√fan_in); gate rows of `*_mod.lin` → 0. */
export function initialValues(ref: ParamRef, fanIn: ReadonlyMap<string, number>, rng: Rng): Float32Array {
  const n = numel(ref.shape)
  if (ref.name.endsWith('.scale')) return new Float32Array(n).fill(1)
  const weightName = ref.name.replace(/\.bias$/, '.weight')
  const fan = fanIn.get(weightName)
  if (fan === undefined) throw new Error(`no initialisation rule for parameter ${ref.name} [${ref.shape}]`)
  const bound = 1 / Math.sqrt(fan)
  const data = Float32Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) * bound)
  if (/_mod\.lin\.(weight|bias)$/.test(ref.name)) zeroGateRows(data, ref.shape)
  return data
}

/** Modulation's output rows are [shift1, scale1, gate1, shift2, scale2, gate2] × H; zero gate1 and gate2. */
function zeroGateRows(data: Float32Array, shape: readonly number[]): void {
  const rows = shape[0]
  const H = rows / 6
  const rowSize = data.length / rows
  for (const chunk of [2, 5]) data.fill(0, chunk * H * rowSize, (chunk + 1) * H * rowSize)
}
