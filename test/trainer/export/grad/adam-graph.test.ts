// One Adam step in the graph equals the same step computed in plain TypeScript on the graph's own gradients,
// with non-zero moments and a later step count (bias correction), and the weight-norm projection after it.
import { describe, expect, it } from 'vitest'
import { findGoldenSets, loadGoldenSet } from '../../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../../src/trainer/parity/golden-dir'
import { buildTrainGraph } from '../../../../src/trainer/export/grad/train-graph'
import { ADAM_DEFAULTS } from '../../../../src/trainer/train/optim'
import { randn } from '../traced-run'
import { goldenWeights, runGoldenStep } from './golden-step'

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
    const probe = buildTrainGraph(set.config, { batch: 2, adam: ADAM_DEFAULTS, update: false }).layout
    const m = randn(probe.size, 100).map((x) => x * 1e-3)
    const v = randn(probe.size, 500).map((x) => x * x * 1e-6)
    const norm0 = (name: string) => 1 + name.length / 100 // a different target norm per weight
    const state = { keep: Float32Array.of(1, 0), m, v, lr: LR, step: STEP, norm0 }
    const { graph, out } = await runGoldenStep(set, weights, { adam: ADAM_DEFAULTS, gradOutputs: true }, state)
    let worst = 0
    for (const { ref } of graph.layout.entries) {
      const part = (flat: Float32Array) => graph.layout.unpack(flat, ref.name)
      const target = graph.projected.includes(ref.name) ? norm0(ref.name) : null
      const want = adamTs(weights.get(ref.name)!, part(out('grad')), part(m), part(v), target)
      for (const [k, key] of [['p', 'new_params'], ['m', 'new_m'], ['v', 'new_v']] as const) {
        worst = Math.max(worst, relDiff(part(out(key)), Float32Array.from(want[k])))
      }
    }
    expect(graph.projected.length).toBeGreaterThan(0)
    expect(worst).toBeLessThan(1e-5)
  })
})
