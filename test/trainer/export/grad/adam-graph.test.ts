// One Adam step in the graph equals the same step computed in plain TypeScript on the graph's own gradients,
// with non-zero moments and a later step count (bias correction), and the weight-norm projection after it.
import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { findGoldenSets, loadGoldenSet } from '../../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../../src/trainer/parity/golden-dir'
import { encodeModel } from '../../../../src/trainer/export/onnx-proto'
import { buildTrainGraph } from '../../../../src/trainer/export/grad/train-graph'
import { ADAM_DEFAULTS } from '../../../../src/trainer/train/optim'
import { randn } from '../traced-run'
import { goldenWeights } from './golden-step'

const LR = 3e-3
const STEP = 4

/** torch.optim.Adam in float64, then W / ‖W‖ · ‖W₀‖ when norm0 is given. */
function adamTs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, norm0: number | null) {
  const [b1, b2] = ADAM_DEFAULTS.betas
  const bc1 = 1 - b1 ** STEP
  const bc2Sqrt = Math.sqrt(1 - b2 ** STEP)
  const m1 = m.map((mi, i) => b1 * mi + (1 - b1) * g[i])
  const v1 = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] * g[i])
  const p1 = p.map((pi, i) => pi - (m1[i] / (Math.sqrt(v1[i]) / bc2Sqrt + ADAM_DEFAULTS.eps)) * (LR / bc1))
  if (norm0 === null) return { p: p1, m: m1, v: v1 }
  const norm = Math.sqrt(p1.reduce((s, x) => s + x * x, 0))
  return { p: p1.map((x) => (x / norm) * norm0), m: m1, v: v1 }
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0
  let r = 0
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]))
    r = Math.max(r, Math.abs(b[i]))
  }
  return d / r
}

describe('in-graph Adam', () => {
  it('equals torch Adam in TypeScript on the same gradients, with the projection', async () => {
    const set = await loadGoldenSet(findGoldenSets(goldenDir())[0])
    const weights = await goldenWeights(set)
    const B = set.io.get('x')!.shape[0]
    const graph = buildTrainGraph(set.config, { batch: B, adam: ADAM_DEFAULTS, gradOutputs: true })
    const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(graph.model)), { intraOpNumThreads: 1 })
    const f = (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, [...dims])
    const io = (n: string) => set.io.get(n)!
    const feeds: Record<string, ort.Tensor> = {
      x: f(io('x').data, io('x').shape), eps: f(io('eps').data, io('eps').shape), t: f(io('t').data, [B]),
      keep: f(Float32Array.of(1, 0), [B]), lr: f(Float32Array.of(LR), []), step: f(Float32Array.of(STEP), []),
    }
    const moments = new Map<string, [Float32Array, Float32Array]>()
    graph.trained.forEach((p, k) => {
      const m = randn(weights.get(p.name)!.length, 100 + k).map((x) => x * 1e-3)
      const v = randn(m.length, 500 + k).map((x) => x * x * 1e-6)
      moments.set(p.name, [m, v])
      Object.assign(feeds, { [p.name]: f(weights.get(p.name)!, p.shape), [`m.${p.name}`]: f(m, p.shape), [`v.${p.name}`]: f(v, p.shape) })
    })
    for (const name of graph.projected) feeds[`norm0.${name}`] = f(Float32Array.of(1.5), [])
    const out = await session.run(feeds)
    await session.release()
    let worst = 0
    for (const p of graph.trained) {
      const [m, v] = moments.get(p.name)!
      const norm0 = graph.projected.includes(p.name) ? 1.5 : null
      const want = adamTs(weights.get(p.name)!, out[`grad.${p.name}`].data as Float32Array, m, v, norm0)
      for (const [k, key] of [['p', 'new'], ['m', 'new_m'], ['v', 'new_v']] as const) {
        worst = Math.max(worst, relDiff(out[`${key}.${p.name}`].data as Float32Array, Float32Array.from(want[k])))
      }
    }
    expect(graph.projected.length).toBeGreaterThan(0)
    expect(worst).toBeLessThan(1e-5)
  }, 60_000)
})
