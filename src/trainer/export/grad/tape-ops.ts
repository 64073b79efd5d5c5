// The differentiating execution of `Ops` (model/ops.ts), micrograd-style: every call emits its forward ONNX
// nodes and, when an input needs a gradient, records on a tape how to emit its vector-Jacobian product.
// `backward` (tape.ts) then walks the tape in reverse. Parameters are graph inputs; the batch is fixed.
import type { Ops, ParamRef } from '../../model/ops'
import { attr } from '../onnx-graph'
import type { Sym } from '../trace-ops'
import { normAxis } from '../trace-shapes'
import { Emitter } from './emit'
import { Tape, type Vjp } from './tape'

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)

export class GradOps implements Ops<Sym> {
  readonly tape = new Tape()
  readonly params = new Map<string, Sym>() // parameters the forward read, by PyTorch key, in first-read order
  private layerNorms = 0 // names the LayerNormalization outputs

  /**
   * `source` makes a parameter's value (default: a graph input named by its key); it becomes a gradient leaf
   * unless `trainable` says no (a frozen parameter is a plain input).
   */
  constructor(
    readonly e: Emitter,
    private readonly source?: (ref: ParamRef) => Sym,
    private readonly trainable: (ref: ParamRef) => boolean = () => true,
  ) {}

  /** Declares a float graph input that needs no gradient (x, ε, t, …). */
  input(name: string, shape: readonly number[]): Sym {
    return { name: this.e.graph.addInput(name, shape), shape: [...shape] }
  }

  param(ref: ParamRef): Sym {
    let sym = this.params.get(ref.name)
    if (sym === undefined) {
      sym = this.source ? this.source(ref) : this.input(ref.name, ref.shape)
      this.params.set(ref.name, sym)
      if (this.trainable(ref)) this.tape.markLeaf(sym)
    }
    return sym
  }

  constant(data: Float32Array, shape: readonly number[]): Sym {
    return this.e.constant(data, shape)
  }

  fill(like: Sym, shape: readonly number[], value: number): Sym {
    return this.e.fill([like.shape[0], ...shape], value)
  }

  shape(x: Sym): number[] {
    return [...x.shape]
  }

  reshape(x: Sym, shape: readonly number[]): Sym {
    return this.op(this.e.reshape(x, shape), [x], (g) => [this.e.reshape(g, x.shape)])
  }

  transpose(x: Sym, perm: readonly number[]): Sym {
    const inverse = perm.map((_, i) => perm.indexOf(i))
    return this.op(this.e.transpose(x, perm), [x], (g) => [this.e.transpose(g, inverse)])
  }

  concat(xs: readonly Sym[], axis: number): Sym {
    const a = normAxis(axis, xs[0].shape.length)
    const offsets = xs.map((_, i) => xs.slice(0, i).reduce((s, x) => s + x.shape[a], 0))
    return this.op(this.e.concat(xs, a), xs, (g) => xs.map((x, i) => this.e.slice(g, a, offsets[i], x.shape[a])))
  }

  slice(x: Sym, axis: number, begin: number, size: number): Sym {
    const a = normAxis(axis, x.shape.length)
    return this.op(this.e.slice(x, a, begin, size), [x], (g) => [{ piece: g, axis: a, begin }])
  }

  /** Gemm(x₂, w, b, transB) on x flattened to [N, in]; the gradients are Gemms too. */
  linear(x: Sym, w: Sym, b: Sym | null): Sym {
    const [outDim, inDim] = w.shape
    if (w.shape.length !== 2 || x.shape.at(-1) !== inDim) throw new Error(`linear: input [${x.shape}] does not fit weight [${w.shape}]`)
    const lead = x.shape.slice(0, -1)
    const x2 = this.e.reshape(x, [-1, inDim])
    const y = this.e.reshape(this.e.gemm(x2, w, b, false, true), [...lead, outDim])
    const inputs = b ? [x, w, b] : [x, w]
    return this.op(y, inputs, (g) => {
      const g2 = this.e.reshape(g, [-1, outDim])
      const grads = [
        this.tape.needs(x) ? this.e.reshape(this.e.gemm(g2, w, null, false, false), x.shape) : null, // g·w
        this.tape.needs(w) ? this.e.gemm(g2, x2, null, true, false) : null, // gᵀ·x
      ]
      return b ? [...grads, this.tape.needs(b) ? this.e.reduceSum(g2, [0], false) : null] : grads
    })
  }

  matmul(a: Sym, b: Sym, transposeB: boolean): Sym {
    const r = b.shape.length
    const swap = [...Array(r - 2).keys(), r - 1, r - 2]
    const t = (x: Sym) => this.e.transpose(x, swap)
    const bT = transposeB ? t(b) : b
    return this.op(this.e.matmul(a, bT), [a, b], (g) => [
      this.tape.needs(a) ? this.e.matmul(g, transposeB ? b : t(b)) : null,
      this.tape.needs(b) ? (transposeB ? this.e.matmul(t(g), a) : this.e.matmul(t(a), g)) : null,
    ])
  }

  add(a: Sym, b: Sym): Sym {
    return this.op(this.e.binary('Add', a, b), [a, b], (g) => [this.e.unbroadcast(g, a.shape), this.e.unbroadcast(g, b.shape)])
  }

  sub(a: Sym, b: Sym): Sym {
    return this.op(this.e.binary('Sub', a, b), [a, b], (g) => [
      this.e.unbroadcast(g, a.shape),
      this.tape.needs(b) ? this.e.unbroadcast(this.e.unary('Neg', g), b.shape) : null,
    ])
  }

  mul(a: Sym, b: Sym): Sym {
    return this.op(this.e.binary('Mul', a, b), [a, b], (g) => [
      this.tape.needs(a) ? this.e.unbroadcast(this.e.binary('Mul', g, b), a.shape) : null,
      this.tape.needs(b) ? this.e.unbroadcast(this.e.binary('Mul', g, a), b.shape) : null,
    ])
  }

  scale(x: Sym, s: number): Sym {
    return this.op(this.e.binary('Mul', x, this.e.scalar(s)), [x], (g) => [this.e.binary('Mul', g, this.e.scalar(s))])
  }

  addScalar(x: Sym, s: number): Sym {
    return this.op(this.e.binary('Add', x, this.e.scalar(s)), [x], (g) => [g])
  }

  silu(x: Sym): Sym {
    return this.mul(x, this.sigmoid(x))
  }

  /**
   * 0.5·x·(1 + tanh(u)) = x·σ(2u) with 2u = x·(α + β·x²), α = 2√(2/π), β = 0.044715·α: 6 element-wise passes, keeping
   * x and s = σ(2u) for the backward, dy/dx = s·(1 + (1 − s)·x·(α + 3β·x²)) (9 passes, x² recomputed). The tanh form
   * took 9 + 10 passes and kept x, x² and tanh(u) (docs/ort-training.md "Speed").
   */
  geluTanh(x: Sym): Sym {
    const e = this.e
    const alpha = 2 * SQRT_2_OVER_PI
    const beta = 0.044715 * alpha
    const cubic = (k: number) => e.binary('Mul', x, e.binary('Add', e.binary('Mul', e.binary('Mul', x, x), e.scalar(k * beta)), e.scalar(alpha)))
    const s = e.unary('Sigmoid', cubic(1)) // σ(2u)
    return this.op(e.binary('Mul', x, s), [x], (g) => {
      const h = e.binary('Mul', e.binary('Sub', e.scalar(1), s), cubic(3)) // (1 − s)·x·(α + 3β·x²)
      return [e.binary('Mul', g, e.binary('Mul', s, e.binary('Add', h, e.scalar(1))))]
    })
  }

  /** Softmax over the last axis; dx = y ⊙ (g − Σ g⊙y). */
  softmax(x: Sym): Sym {
    const y = this.e.node('Softmax', [x], x.shape, [attr.int('axis', -1)])
    return this.op(y, [x], (g) => {
      const dot = this.e.reduceSum(this.e.binary('Mul', g, y), [-1], true)
      return [this.e.binary('Mul', y, this.e.binary('Sub', g, dot))]
    })
  }

  /** softmax(q kᵀ·scale) v → [B, L, H·D], in differentiable pieces. */
  attention(q: Sym, k: Sym, v: Sym, scale: number): Sym {
    const [B, H, L, D] = v.shape
    const e = this.e
    const swap = [0, 1, 3, 2]
    const probs = (logits: Sym) => e.node('Softmax', [logits], [B, H, L, L], [attr.int('axis', -1)])
    const weights = probs(e.binary('Mul', e.matmul(q, e.transpose(k, swap)), e.scalar(scale))) // [B, H, L, L]
    const out = this.op(e.matmul(weights, v), [q, k, v], (g) => {
      const p = probs(e.matmul(e.binary('Mul', q, e.scalar(scale)), e.transpose(k, swap))) // recomputed
      const dp = e.matmul(g, e.transpose(v, swap))
      const ds = e.binary('Mul', p, e.binary('Sub', dp, e.reduceSum(e.binary('Mul', dp, p), [-1], true)))
      return [
        this.tape.needs(q) ? e.binary('Mul', e.matmul(ds, k), e.scalar(scale)) : null,
        this.tape.needs(k) ? e.binary('Mul', e.matmul(e.transpose(ds, swap), q), e.scalar(scale)) : null,
        this.tape.needs(v) ? e.matmul(e.transpose(p, swap), g) : null,
      ]
    })
    return this.reshape(this.transpose(out, [0, 2, 1, 3]), [-1, L, H * D])
  }

  /**
   * LayerNormalization (non-affine); dx = r·(g − mean(g) − y·mean(g⊙y)) with r = (var(x) + eps)^(−½) composed, not
   * read from the node's optional InvStdDev output, which onnxruntime's WebGPU kernel does not produce.
   */
  layerNorm(x: Sym, eps: number): Sym {
    const dim = x.shape.at(-1)!
    const ones = this.e.constant(new Float32Array(dim).fill(1), [dim])
    const n = this.layerNorms++
    this.e.graph.addNode('LayerNormalization', [x.name, ones.name], [attr.int('axis', -1), attr.float('epsilon', eps)], [`ln.${n}.y`])
    const y = { name: `ln.${n}.y`, shape: [...x.shape] }
    const centred = this.e.binary('Sub', x, this.e.reduceMean(x, [-1], true))
    const variance = this.e.reduceMean(this.e.binary('Mul', centred, centred), [-1], true)
    const rstd = this.e.binary('Pow', this.e.binary('Add', variance, this.e.constant(Float32Array.of(eps), [])), this.e.constant(Float32Array.of(-0.5), []))
    return this.op(y, [x], (gy) => {
      const meanG = this.e.reduceMean(gy, [-1], true)
      const meanGy = this.e.reduceMean(this.e.binary('Mul', gy, y), [-1], true)
      const centred = this.e.binary('Sub', this.e.binary('Sub', gy, meanG), this.e.binary('Mul', y, meanGy))
      return [this.e.binary('Mul', rstd, centred)]
    })
  }

  /** x · (mean(x², -1) + eps)^(−½) · scale, composed. */
  rmsNorm(x: Sym, scale: Sym, eps: number): Sym {
    const r = this.powScalar(this.addScalar(this.reduceMean(this.mul(x, x), [-1], true), eps), -0.5)
    return this.mul(this.mul(x, r), scale)
  }

  cos(x: Sym): Sym {
    return this.op(this.e.unary('Cos', x), [x], (g) => [this.e.binary('Mul', g, this.e.unary('Neg', this.e.unary('Sin', x)))])
  }

  sin(x: Sym): Sym {
    return this.op(this.e.unary('Sin', x), [x], (g) => [this.e.binary('Mul', g, this.e.unary('Cos', x))])
  }

  // ---- beyond Ops: the pieces the losses need ----

  sigmoid(x: Sym): Sym {
    const y = this.e.unary('Sigmoid', x)
    return this.op(y, [x], (g) => [this.e.binary('Mul', g, this.e.binary('Mul', y, this.e.binary('Sub', this.e.scalar(1), y)))])
  }

  tanh(x: Sym): Sym {
    const y = this.e.unary('Tanh', x)
    return this.op(y, [x], (g) => [this.e.binary('Mul', g, this.e.binary('Sub', this.e.scalar(1), this.e.binary('Mul', y, y)))])
  }

  powScalar(x: Sym, p: number): Sym {
    const y = this.e.binary('Pow', x, this.e.scalar(p))
    return this.op(y, [x], (g) => [this.e.binary('Mul', g, this.e.binary('Mul', this.e.binary('Pow', x, this.e.scalar(p - 1)), this.e.scalar(p)))])
  }

  log(x: Sym): Sym {
    return this.op(this.e.unary('Log', x), [x], (g) => [this.e.binary('Div', g, x)])
  }

  /** Log-softmax over the last axis; dx = g − softmax(x)·Σg. */
  logSoftmax(x: Sym): Sym {
    const y = this.e.node('LogSoftmax', [x], x.shape, [attr.int('axis', -1)])
    return this.op(y, [x], (g) => [this.e.binary('Sub', g, this.e.binary('Mul', this.e.unary('Exp', y), this.e.reduceSum(g, [-1], true)))])
  }

  /** Sum over `axes` (all when empty). */
  reduceSum(x: Sym, axes: readonly number[], keepdims = false): Sym {
    const y = this.e.reduceSum(x, axes, keepdims)
    return this.op(y, [x], (g) => [this.e.expand(this.e.reshape(g, keptShape(x.shape, axes)), x.shape)])
  }

  /** Mean over `axes` (all when empty). */
  reduceMean(x: Sym, axes: readonly number[], keepdims = false): Sym {
    const y = this.e.reduceMean(x, axes, keepdims)
    const n = x.shape.reduce((a, b) => a * b, 1) / y.shape.reduce((a, b) => a * b, 1)
    return this.op(y, [x], (g) => [this.e.expand(this.e.binary('Mul', this.e.reshape(g, keptShape(x.shape, axes)), this.e.scalar(1 / n)), x.shape)])
  }

  /** +1 where x > 0, else −1; no gradient (a detached value). */
  sign(x: Sym): Sym {
    const positive = this.e.node('Greater', [x, this.e.scalar(0)], x.shape)
    return this.e.node('Where', [positive, this.e.scalar(1), this.e.scalar(-1)], x.shape)
  }

  /** Straight-through sign: forward `sign`, backward identity (x + (q − x).detach()). */
  straightThrough(x: Sym): Sym {
    return this.op(this.sign(x), [x], (g) => [g])
  }

  /** Straight-through rounding (FSQ's round_ste): forward Round (half to even, as tf.round), backward identity. */
  roundStraightThrough(x: Sym): Sym {
    return this.op(this.e.unary('Round', x), [x], (g) => [g])
  }

  private op(y: Sym, inputs: readonly Sym[], vjp: Vjp): Sym {
    this.tape.record(y, inputs, vjp)
    return y
  }
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  const all = axes.length === 0 ? shape.map((_, i) => i) : axes.map((a) => normAxis(a, shape.length))
  return shape.map((d, i) => (all.includes(i) ? 1 : d))
}
