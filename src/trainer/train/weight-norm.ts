// The reference's "forced weight normalisation": after every optimiser step, each nn.Linear weight inside
// `double_blocks` is scaled back to its Frobenius norm at (re)start (train.py `fix_initial_norms`, mode l2).
import * as tf from '@tensorflow/tfjs-core'

/** The weights the projection touches: every double-block Linear weight (mod.lin, attn.qkv/proj, mlp.0/2). */
export function isProjectedWeight(name: string): boolean {
  return /\.double_blocks\.\d+\.(img|txt)_(mod\.lin|attn\.qkv|attn\.proj|mlp\.0|mlp\.2)\.weight$/.test(name)
}

/** ‖W‖_F of each projected weight, captured at (re)start: one awaited read per weight (works on every backend). */
export async function captureNorms(weights: ReadonlyMap<string, tf.Tensor>): Promise<Map<string, number>> {
  const norms = new Map<string, number>()
  for (const [name, w] of weights) if (isProjectedWeight(name)) norms.set(name, frobeniusOf(await w.data()))
  return norms
}

/** ‖W‖_F of a tensor read synchronously (parity checks on cpu/wasm; the webgpu backend in Node cannot do this). */
export function frobenius(w: tf.Tensor): number {
  return frobeniusOf(w.dataSync())
}

/** ‖W‖_F of the values, accumulated in float64, rounded to float32 (torch's float32 norm). */
export function frobeniusOf(d: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < d.length; i++) s += d[i] * d[i]
  return Math.fround(Math.sqrt(s))
}

/** W ← W / ‖W‖_F · ‖W₀‖_F, in that order of operations, as the reference. */
export function projectWeight(w: tf.Tensor, norm0: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.div(w, frobeniusTf(w)), norm0))
}

/** ‖W‖_F on the device, summed row by row then over rows: a flat float32 sum (tf.norm on wasm) drifts by ~3e-6. */
function frobeniusTf(w: tf.Tensor): tf.Tensor {
  const rows = w.rank > 1 ? tf.reshape(w, [w.shape[0], -1]) : tf.reshape(w, [1, -1])
  return tf.sqrt(tf.sum(tf.sum(tf.square(rows), 1)))
}

/** Apply the projection to every captured variable in place. */
export function projectNorms(vars: ReadonlyMap<string, tf.Variable>, norms: ReadonlyMap<string, number>): void {
  for (const [name, n0] of norms) {
    const v = vars.get(name)
    if (v) tf.tidy(() => v.assign(projectWeight(v, n0))) // tidy releases the temporary the variable copied
  }
}
