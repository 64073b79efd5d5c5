// SimpleEMA of the reference (train_utils.py:261-276; spec §3.3): a copy of the weights made at (re)start and,
// every 10 steps, ema = ema·d¹⁰ + θ·(1 − d¹⁰) with d = 0.9999, over the whole state dict.
import * as tf from '@tensorflow/tfjs-core'
import type { WeightMap } from '../model/weights'

export const EMA_DECAY = 0.9999
export const EMA_EVERY = 10

export class Ema {
  readonly weights: WeightMap = new Map()

  /** Starts from a copy of `source` (the reference re-initialises the EMA from the raw weights on every restart). */
  constructor(source: ReadonlyMap<string, tf.Tensor>, readonly decay = EMA_DECAY, readonly every = EMA_EVERY) {
    for (const [name, w] of source) this.weights.set(name, tf.tidy(() => tf.variable(tf.clone(w), false)))
  }

  /** Call after the optimiser step that completed `step` steps; updates when step is a multiple of `every`. */
  maybeUpdate(step: number, source: ReadonlyMap<string, tf.Tensor>): boolean {
    if (step % this.every !== 0) return false
    const d = this.decay ** this.every
    for (const [name, e] of this.weights) {
      const w = source.get(name)
      if (w) tf.tidy(() => e.assign(tf.add(tf.mul(e, d), tf.mul(w, 1 - d))))
    }
    return true
  }

  /** Overwrites the EMA with saved values (a resume of our own runs keeps its EMA). */
  load(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, e] of this.weights) {
      const data = values.get(name)
      if (!data) throw new Error(`EMA state has no tensor ${name}`)
      tf.tidy(() => e.assign(tf.tensor(data, e.shape)))
    }
  }

  dispose(): void {
    for (const e of this.weights.values()) e.dispose()
    this.weights.clear()
  }
}
