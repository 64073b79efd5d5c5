// Adam in the graph, as train/optim.ts (torch.optim.Adam: β (0.9, 0.95), ε 1e-8, bias correction, no weight
// decay), followed by the forced weight-norm projection of the double-block Linear weights (train/weight-norm.ts).
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'

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

/** m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (m / (√v / √bc₂ + ε))·lr/bc₁. */
export function adamUpdate(
  e: Emitter, p: Sym, g: Sym, m: Sym, v: Sym, terms: { stepSize: Sym; bc2Sqrt: Sym }, cfg: AdamGraphConfig,
): { p: Sym; m: Sym; v: Sym } {
  const [b1, b2] = cfg.betas
  const m1 = e.binary('Add', e.binary('Mul', m, e.scalar(b1)), e.binary('Mul', g, e.scalar(1 - b1)))
  const v1 = e.binary('Add', e.binary('Mul', v, e.scalar(b2)), e.binary('Mul', e.binary('Mul', g, g), e.scalar(1 - b2)))
  const denom = e.binary('Add', e.binary('Div', e.unary('Sqrt', v1), terms.bc2Sqrt), e.scalar(cfg.eps))
  const p1 = e.binary('Sub', p, e.binary('Mul', e.binary('Div', m1, denom), terms.stepSize))
  return { p: p1, m: m1, v: v1 }
}

/** W ← W / ‖W‖_F · ‖W₀‖_F, with ‖W₀‖_F a graph input; the norm is summed row by row, then over rows. */
export function projectWeight(e: Emitter, w: Sym, norm0: Sym): Sym {
  const rows = e.reduceSum(e.reduceSum(e.binary('Mul', w, w), [1], false), [0], false)
  return e.binary('Mul', e.binary('Div', w, e.unary('Sqrt', rows)), norm0)
}
