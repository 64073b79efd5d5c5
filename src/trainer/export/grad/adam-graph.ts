// Adam in the graph, as train/optim.ts (torch.optim.Adam: β (0.9, 0.95), ε 1e-8, bias correction, no weight
// decay), followed by the forced weight-norm projection of the double-block Linear weights (train/weight-norm.ts).
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'
import type { FlatLayout } from './flat-state'

export interface AdamGraphConfig {
  betas: readonly [number, number]
  eps: number
}

/** The per-step scalars: the learning rate and the 1-based step count (both graph inputs, shape []). */
export interface AdamScalars {
  lr: Sym
  step: Sym
}

/** Bias-correction terms shared by every parameter: lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ). */
export function adamScalars(e: Emitter, s: AdamScalars, cfg: AdamGraphConfig): { stepSize: Sym; bc2Sqrt: Sym } {
  const one = e.scalar(1)
  const bc1 = e.binary('Sub', one, e.binary('Pow', e.scalar(cfg.betas[0]), s.step))
  const bc2 = e.binary('Sub', one, e.binary('Pow', e.scalar(cfg.betas[1]), s.step))
  return { stepSize: e.binary('Div', s.lr, bc1), bc2Sqrt: e.unary('Sqrt', bc2) }
}

/** Graph output names of the updated state (`p` absent: the new parameters feed a further step, the projection). */
export interface AdamOutputs {
  p?: string
  m: string
  v: string
}

/** m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (m / (√v / √bc₂ + ε))·lr/bc₁. */
export function adamUpdate(
  e: Emitter, state: { p: Sym; g: Sym; m: Sym; v: Sym }, terms: { stepSize: Sym; bc2Sqrt: Sym }, cfg: AdamGraphConfig, out: AdamOutputs,
): { p: Sym; m: Sym; v: Sym } {
  const [b1, b2] = cfg.betas
  const { p, g, m, v } = state
  const m1 = e.binary('Add', e.binary('Mul', m, e.scalar(b1)), e.binary('Mul', g, e.scalar(1 - b1)), out.m)
  const v1 = e.binary('Add', e.binary('Mul', v, e.scalar(b2)), e.binary('Mul', e.binary('Mul', g, g), e.scalar(1 - b2)), out.v)
  const denom = e.binary('Add', e.binary('Div', e.unary('Sqrt', v1), terms.bc2Sqrt), e.scalar(cfg.eps))
  const p1 = e.binary('Sub', p, e.binary('Mul', e.binary('Div', m1, denom), terms.stepSize), out.p)
  return { p: p1, m: m1, v: v1 }
}

/**
 * The projection on the flat parameter vector: each projected weight's squared sum over its segment gives
 * ‖W‖_F; the per-element factor ‖W₀‖_F/‖W‖_F (1 outside projected weights) multiplies the whole vector.
 */
export function projectFlat(e: Emitter, p: Sym, layout: FlatLayout, projected: readonly string[], norm0: Sym, output: string): Sym {
  const sq = e.binary('Mul', p, p)
  const norms = projected.map((name) => {
    const { offset, size } = layout.entry(name)
    return e.reduceSum(e.slice(sq, 0, offset, size), [0], true) // [1]
  })
  const factors = e.binary('Div', norm0, e.unary('Sqrt', e.concat(norms, 0))) // [K]
  const parts: Sym[] = []
  let ones = 0 // length of the current run of unprojected values
  for (const { ref, size } of layout.entries) {
    const k = projected.indexOf(ref.name)
    if (k < 0) {
      ones += size
      continue
    }
    if (ones > 0) parts.push(e.fill([ones], 1))
    ones = 0
    parts.push(e.expand(e.slice(factors, 0, k, 1), [size]))
  }
  if (ones > 0) parts.push(e.fill([ones], 1))
  return e.binary('Mul', p, e.concat(parts, 0), output)
}
