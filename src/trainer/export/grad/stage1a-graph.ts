// The Stage-1A loss traced for differentiation: flow loss mean((ε − v̂ − x)²) on the decoder fed the
// straight-through code (CFG-dropped per sample by `keep`), plus the LFQ quantiser loss on the encoder's code.
// FSQ codes are rounded straight-through; a continuous latent is noise-synced by its inputs (DiTo) and not rounded.
// With a perceptual network, λ·distance(x, x̂) on the one-step estimate x̂ = x_t − t·v̂ is added (perceptual-graph.ts).
// Mirrors train/stage1a.ts `flowTerms` / `perceptualTerm`, model/lfq.ts `lfqLosses`, model/fsq.ts and losses/noise-sync.ts.
import type { QuantizerConfig } from '../../model/configs'
import { codeInput, type FlowMo } from '../../model/flowmo'
import { fsqConstants } from '../../model/fsq'
import type { Sym } from '../trace-ops'
import type { PerceptualNetGraph } from './net-graph'
import type { GradOps } from './tape-ops'

const ENTROPY_TEMPERATURE = 0.1 // as model/lfq.ts

export interface Stage1aInputs {
  x: Sym // [B, 3, S, S]
  eps: Sym // [B, 3, S, S]
  t: Sym // [B]
  keep: Sym // [B], 0 = CFG-dropped (the null code)
  sync?: NoiseSyncInputs // continuous latents with noise sync only
  codePre?: Sym // [B, L, C]: the frozen encoder's code (Stage 1B); default: encode x here
}

/** DiTo's noise sync as graph inputs (the draws stay outside, train/step-random.ts; t comes in already synced). */
export interface NoiseSyncInputs {
  scale: Sym // [B], m·τ: the sample's latent noise level (0 where not synced)
  epsZ: Sym // [B, L, C]
}

/** The perceptual term of Stage 1A: a network and its weight λ (0.1 in the reference). */
export interface PerceptualTerm {
  readonly net: PerceptualNetGraph
  readonly weight: number
}

export interface Stage1aLosses {
  flow: Sym
  quantizer: Sym
  perceptual: Sym // already multiplied by λ; 0 without a network
  perSampleEntropy: Sym
  codebookEntropy: Sym
  commitment: Sym
  total: Sym
}

export function stage1aLoss(o: GradOps, model: FlowMo, inp: Stage1aInputs, perceptual: PerceptualTerm | null = null): Stage1aLosses {
  const cfg = model.config
  const B = inp.x.shape[0]
  const codePre = inp.codePre ?? model.encode(o, inp.x) // [B, L, C]
  const q = cfg.quantizer.kind === 'lfq'
    ? quantizerLoss(o, codePre, cfg.codebookSizeForEntropy, cfg.entropyLossWeight, cfg.commitLossWeight)
    : noQuantizerLoss(o) // FSQ and the continuous latent train on the flow loss alone
  const code = quantizeSTE(o, cfg.quantizer, inp.sync ? syncCode(o, codePre, inp.sync) : codePre)
  const codeIn = o.mul(codeInput(o, code), o.reshape(inp.keep, [B, 1, 1]))
  const tb = o.reshape(inp.t, [B, 1, 1, 1])
  const xt = o.add(o.mul(o.addScalar(o.scale(tb, -1), 1), inp.x), o.mul(tb, inp.eps)) // (1 − t)·x + t·ε
  const v = model.decode(o, xt, codeIn, inp.t)
  const r = o.sub(o.sub(inp.eps, v), inp.x)
  const flow = o.reduceMean(o.mul(r, r), [])
  const lossTotal = cfg.quantizer.kind === 'lfq' ? o.add(flow, q.quantizer) : flow
  if (!perceptual) return { flow, ...q, perceptual: o.e.scalar(0), total: lossTotal }
  const xHat = o.sub(xt, o.mul(tb, v)) // x̂ = x_t − t·v̂ (losses/rectified-flow.ts denoisedEstimate)
  const perc = o.scale(perceptual.net.distance(o, inp.x, xHat), perceptual.weight)
  return { flow, ...q, perceptual: perc, total: o.add(lossTotal, perc) }
}

/** code [B, L, C] → the decoder's code, with the straight-through gradient of each quantiser (quantizer.ts `quantize`). */
export function quantizeSTE(o: GradOps, q: QuantizerConfig, code: Sym): Sym {
  switch (q.kind) {
    case 'lfq':
      return o.straightThrough(code)
    case 'fsq': {
      const k = fsqConstants(q.levels)
      const row = (v: readonly number[]) => o.constant(Float32Array.from(v), [v.length]) // broadcast over C
      const bounded = o.sub(o.mul(o.tanh(o.add(code, row(k.shift))), row(k.halfL)), row(k.offset))
      return o.mul(o.roundStraightThrough(bounded), row(k.halfWidth.map((h) => 1 / h))) // ÷ ⌊L/2⌋
    }
    case 'continuous':
      return code
  }
}

/** z [B, L, C] → (1 − s)·z + s·ε_z per sample, as losses/noise-sync.ts `syncCode`. */
function syncCode(o: GradOps, z: Sym, sync: NoiseSyncInputs): Sym {
  const s = o.reshape(sync.scale, [z.shape[0], 1, 1])
  return o.add(o.mul(o.addScalar(o.scale(s, -1), 1), z), o.mul(s, sync.epsZ))
}

/** The LFQ loss outputs of a code that has none: zeros. */
function noQuantizerLoss(o: GradOps) {
  const zero = o.e.scalar(0)
  return { perSampleEntropy: zero, codebookEntropy: zero, commitment: zero, quantizer: zero }
}

/** LFQ entropy and commitment losses on code [B, L, C], as model/lfq.ts `lfqLosses`. */
function quantizerLoss(o: GradOps, code: Sym, G: number, entropyWeight: number, commitWeight: number) {
  const [B, L, C] = code.shape
  const F = C / G
  const x = o.reshape(o.transpose(o.reshape(code, [B, L, G, F]), [0, 1, 3, 2]), [B * L * F, G]) // sub-tokens [n, G]
  const logits = o.scale(o.scale(o.linear(x, o.constant(codebook(G), [1 << G, G]), null), 2), 1 / ENTROPY_TEMPERATURE)
  const probs = o.softmax(logits)
  const logProbs = o.logSoftmax(o.addScalar(logits, 1e-5))
  const perSampleEntropy = o.reduceMean(o.scale(o.reduceSum(o.mul(probs, logProbs), [-1]), -1), [])
  const avgProbs = o.reduceMean(probs, [0])
  const codebookEntropy = o.scale(o.reduceSum(o.mul(avgProbs, o.log(o.addScalar(avgProbs, 1e-5))), []), -1)
  const d = o.sub(code, o.sign(code))
  const commitment = o.reduceMean(o.mul(d, d), [])
  const entropyAux = o.sub(perSampleEntropy, codebookEntropy)
  const quantizer = o.add(o.scale(entropyAux, entropyWeight), o.scale(commitment, commitWeight))
  return { perSampleEntropy, codebookEntropy, commitment, quantizer }
}

/** codebook[j, g] = +1 if bit g of j is set, else −1; [2^G, G]. */
function codebook(G: number): Float32Array {
  const data = new Float32Array((1 << G) * G)
  for (let j = 0; j < 1 << G; j++) for (let g = 0; g < G; g++) data[j * G + g] = (j >> g) & 1 ? 1 : -1
  return data
}
