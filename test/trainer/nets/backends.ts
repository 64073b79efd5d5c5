// Test helper: switch tfjs between the cpu backend and the single-threaded wasm backend inside one test file.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { registerGradients } from '../../../src/trainer/backends/gradients'

registerGradients()

const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + '/'
setWasmPaths(wasmDir)

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to start`)
  await tf.ready()
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}

/** Largest |a − b| / (|b| + floor): relative error with a floor for values near zero. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor))
  return worst
}

/** Central finite differences of a scalar function at a few coordinates of x (float64 steps on float32 math). */
export function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, coords: number[], eps = 1e-2): number[] {
  const base = x.dataSync().slice()
  return coords.map((i) => {
    const at = (delta: number) => {
      const v = base.slice()
      v[i]! += delta
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]!)
    }
    return (at(eps) - at(-eps)) / (2 * eps)
  })
}
