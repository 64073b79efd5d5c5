// Layers of the Flux double-stream transformer as FlowMo uses them.
// Port of flowmo/models.py `MLPEmbedder`, `RMSNorm`, `QKNorm`, `SelfAttention`, `Modulation`,
// `DoubleStreamBlock`, `LastLayer` (Flux layers.py); module names double as state-dict keys.
import type { Ops, ParamRef } from './ops'
import type { Params } from './params'
import { attention, modulate, type RopeTensors } from './math'

const LN_EPS = 1e-6
const RMS_EPS = 1e-6

export class Linear {
  readonly weight: ParamRef
  readonly bias: ParamRef | null
  constructor(p: Params, inDim: number, outDim: number, bias = true) {
    this.weight = p.declare('weight', [outDim, inDim])
    this.bias = bias ? p.declare('bias', [outDim]) : null
  }
  forward<T>(o: Ops<T>, x: T): T {
    return o.linear(x, o.param(this.weight), this.bias ? o.param(this.bias) : null)
  }
}

export class MLPEmbedder {
  readonly inLayer: Linear
  readonly outLayer: Linear
  constructor(p: Params, inDim: number, hiddenDim: number) {
    this.inLayer = new Linear(p.sub('in_layer'), inDim, hiddenDim)
    this.outLayer = new Linear(p.sub('out_layer'), hiddenDim, hiddenDim)
  }
  forward<T>(o: Ops<T>, x: T): T {
    return this.outLayer.forward(o, o.silu(this.inLayer.forward(o, x)))
  }
}

export class RMSNorm {
  readonly scale: ParamRef
  constructor(p: Params, dim: number) {
    this.scale = p.declare('scale', [dim])
  }
  forward<T>(o: Ops<T>, x: T): T {
    return o.rmsNorm(x, o.param(this.scale), RMS_EPS)
  }
}

export class QKNorm {
  readonly queryNorm: RMSNorm
  readonly keyNorm: RMSNorm
  constructor(p: Params, dim: number) {
    this.queryNorm = new RMSNorm(p.sub('query_norm'), dim)
    this.keyNorm = new RMSNorm(p.sub('key_norm'), dim)
  }
}

/** The attention weights of one stream; the joint attention itself runs in `DoubleStreamBlock`. */
export class SelfAttention {
  readonly qkv: Linear
  readonly norm: QKNorm
  readonly proj: Linear
  constructor(p: Params, dim: number, readonly numHeads: number, qkvBias: boolean) {
    this.qkv = new Linear(p.sub('qkv'), dim, dim * 3, qkvBias)
    this.norm = new QKNorm(p.sub('norm'), dim / numHeads)
    this.proj = new Linear(p.sub('proj'), dim, dim)
  }
  /** x [B, L, dim] → q, k, v [B, H, L, D], q and k RMS-normalised ("B L (K H D) -> K B H L D"). */
  qkvHeads<T>(o: Ops<T>, x: T): [T, T, T] {
    const qkv = this.qkv.forward(o, x) // [B, L, 3·H·D]
    const [, L, threeDim] = o.shape(qkv)
    const dim = threeDim / 3
    const head = (k: number) =>
      o.transpose(o.reshape(o.slice(qkv, 2, k * dim, dim), [-1, L, this.numHeads, dim / this.numHeads]), [0, 2, 1, 3])
    return [this.norm.queryNorm.forward(o, head(0)), this.norm.keyNorm.forward(o, head(1)), head(2)]
  }
}

/** shift, scale, gate, each [B, 1, H]. */
export interface ModulationOut<T> {
  shift: T
  scale: T
  gate: T
}

export class Modulation {
  readonly lin: Linear
  constructor(p: Params, readonly dim: number) {
    this.lin = new Linear(p.sub('lin'), dim, 6 * dim)
  }
  forward<T>(o: Ops<T>, vec: T): [ModulationOut<T>, ModulationOut<T>] {
    const out = o.reshape(this.lin.forward(o, o.silu(vec)), [-1, 1, 6 * this.dim]) // [B, 1, 6H]
    const chunk = (i: number) => o.slice(out, 2, i * this.dim, this.dim)
    return [
      { shift: chunk(0), scale: chunk(1), gate: chunk(2) },
      { shift: chunk(3), scale: chunk(4), gate: chunk(5) },
    ]
  }
}

/** One stream's modulated pre-LN input, residual updates and MLP; `mod` null = no conditioning (encoder). */
class Stream {
  readonly mod: Modulation
  readonly attn: SelfAttention
  readonly mlp0: Linear
  readonly mlp2: Linear
  constructor(p: Params, name: 'img' | 'txt', dim: number, heads: number, mlpDim: number, qkvBias: boolean) {
    this.mod = new Modulation(p.sub(`${name}_mod`), dim)
    this.attn = new SelfAttention(p.sub(`${name}_attn`), dim, heads, qkvBias)
    this.mlp0 = new Linear(p.sub(`${name}_mlp`).sub(0), dim, mlpDim)
    this.mlp2 = new Linear(p.sub(`${name}_mlp`).sub(2), mlpDim, dim)
  }
  normed<T>(o: Ops<T>, x: T, m: ModulationOut<T> | null): T {
    const ln = o.layerNorm(x, LN_EPS)
    return m ? modulate(o, ln, m.shift, m.scale) : ln
  }
  gated<T>(o: Ops<T>, x: T, y: T, m: ModulationOut<T> | null): T {
    return o.add(x, m ? o.mul(m.gate, y) : y)
  }
  /** Residual updates after attention: x + gate1·proj(attn), then x + gate2·mlp(mod(LN(x))). */
  update<T>(o: Ops<T>, x: T, attn: T, mods: [ModulationOut<T>, ModulationOut<T>] | null): T {
    const [m1, m2] = mods ?? [null, null]
    const h = this.gated(o, x, this.attn.proj.forward(o, attn), m1)
    const mlp = this.mlp2.forward(o, o.geluTanh(this.mlp0.forward(o, this.normed(o, h, m2))))
    return this.gated(o, h, mlp, m2)
  }
}

export class DoubleStreamBlock {
  readonly img: Stream
  readonly txt: Stream
  constructor(p: Params, dim: number, readonly numHeads: number, mlpRatio: number, qkvBias: boolean, readonly scale: number) {
    this.img = new Stream(p, 'img', dim, numHeads, dim * mlpRatio, qkvBias)
    this.txt = new Stream(p, 'txt', dim, numHeads, dim * mlpRatio, qkvBias)
  }
  /**
   * img [B, N, H], txt [B, L, H], vec [B, H] or null (encoder: shift 0, scale 0, gate 1).
   * `keep` skips a stream whose output the model discards (the last block), which changes no value.
   */
  forward<T>(o: Ops<T>, img: T, txt: T, vec: T | null, pe: RopeTensors<T>, keep: { img: boolean; txt: boolean }): [T, T] {
    const imgMods = vec ? this.img.mod.forward(o, vec) : null
    const txtMods = vec ? this.txt.mod.forward(o, vec) : null
    // prepare image and txt for attention
    const [imgQ, imgK, imgV] = this.img.attn.qkvHeads(o, this.img.normed(o, img, imgMods?.[0] ?? null))
    const [txtQ, txtK, txtV] = this.txt.attn.qkvHeads(o, this.txt.normed(o, txt, txtMods?.[0] ?? null))
    // run actual attention over [txt ; img]
    const cat = (a: T, b: T) => o.concat([a, b], 2)
    const attn = attention(o, cat(txtQ, imgQ), cat(txtK, imgK), cat(txtV, imgV), pe, this.scale) // [B, L+N, H]
    const L = o.shape(txt)[1]
    const N = o.shape(img)[1]
    // calculate the img and txt blocks
    const imgOut = keep.img ? this.img.update(o, img, o.slice(attn, 1, L, N), imgMods) : img
    const txtOut = keep.txt ? this.txt.update(o, txt, o.slice(attn, 1, 0, L), txtMods) : txt
    return [imgOut, txtOut]
  }
}

/** Final layer; with a condition it applies the non-affine LayerNorm twice (reference quirk). */
export class LastLayer {
  readonly linear: Linear
  readonly adaLN: Linear
  constructor(p: Params, dim: number, outDim: number) {
    this.linear = new Linear(p.sub('linear'), dim, outDim)
    this.adaLN = new Linear(p.sub('adaLN_modulation').sub(1), dim, 2 * dim)
  }
  forward<T>(o: Ops<T>, x: T, vec: T | null): T {
    let h = x
    if (vec) {
      const dim = o.shape(x)[2]
      const mod = o.reshape(this.adaLN.forward(o, o.silu(vec)), [-1, 1, 2 * dim]) // [B, 1, 2H]: shift, scale
      h = modulate(o, o.layerNorm(h, LN_EPS), o.slice(mod, 2, 0, dim), o.slice(mod, 2, dim, dim))
    }
    return this.linear.forward(o, o.layerNorm(h, LN_EPS))
  }
}
