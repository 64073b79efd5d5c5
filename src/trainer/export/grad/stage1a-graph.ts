// The Stage-1A loss traced for differentiation: flow loss mean((ε − v̂ − x)²) on the decoder fed the
// straight-through code (CFG-dropped per sample by `keep`), plus the LFQ quantiser loss on the encoder's code.
// Mirrors train/stage1a.ts `flowTerms` and model/lfq.ts `lfqLosses` (the perceptual term is not included).
import { codeInput, type FlowMo } from '../../model/flowmo'
import type { Sym } from '../trace-ops'
import type { GradOps } from './tape-ops'

const ENTROPY_TEMPERATURE = 0.1 // as model/lfq.ts

export interface Stage1aInputs {
  x: Sym // [B, 3, S, S]
  eps: Sym // [B, 3, S, S]
  t: Sym // [B]
  keep: Sym // [B], 0 = CFG-dropped (the null code)
}

export interface Stage1aLosses {
  flow: Sym
  quantizer: Sym
  perSampleEntropy: Sym
  codebookEntropy: Sym
  commitment: Sym
  total: Sym
}

export function stage1aLoss(o: GradOps, model: FlowMo, inp: Stage1aInputs): Stage1aLosses {
  const cfg = model.config
  const B = inp.x.shape[0]
  const codePre = model.encode(o, inp.x) // [B, L, C]
  const q = quantizerLoss(o, codePre, cfg.codebookSizeForEntropy, cfg.entropyLossWeight, cfg.commitLossWeight)
  const codeIn = o.mul(codeInput(o, o.straightThrough(codePre)), o.reshape(inp.keep, [B, 1, 1]))
  const tb = o.reshape(inp.t, [B, 1, 1, 1])
  const xt = o.add(o.mul(o.addScalar(o.scale(tb, -1), 1), inp.x), o.mul(tb, inp.eps)) // (1 − t)·x + t·ε
  const v = model.decode(o, xt, codeIn, inp.t)
  const r = o.sub(o.sub(inp.eps, v), inp.x)
  const flow = o.reduceMean(o.mul(r, r), [])
  return { flow, ...q, total: o.add(flow, q.quantizer) }
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
