// The tracing execution of `Ops` (model/ops.ts): every call appends ONNX opset-17 nodes (and, for fused
// attention, one com.microsoft node) to a graph and returns a symbolic value with its exact static shape
// (dim 0 may be -1, the dynamic batch).
import type { Ops, ParamRef } from '../model/ops'
import { numel } from '../model/params'
import { attr, type OnnxGraph } from './onnx-graph'
import { DataType, type Attribute, type TensorDef } from './onnx-proto'
import { broadcastShapes, matmulShape, normAxis, reshapeShapes } from './trace-shapes'
import { transpose2d, transposedName } from './transposed-weight'

/** A traced value: the ONNX value name and its shape. */
export interface Sym {
  readonly name: string
  readonly shape: readonly number[]
}

/** Supplies the data of a declared parameter, in PyTorch layout. */
export type WeightSource = (ref: ParamRef) => Float32Array

export interface TraceOptions {
  /** Attention as one com.microsoft MultiHeadAttention node (default), else opset-17 MatMul/Softmax/MatMul. */
  readonly fusedAttention?: boolean
  /**
   * Parameters as graph inputs named by their key (`<key>.T` for a weight stored transposed, see `linear`) instead
   * of initializers: one graph fed changing weights (a training run's validation). The weight source is not read.
   */
  readonly paramInputs?: boolean
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)

export class TraceOps implements Ops<Sym> {
  private readonly params = new Map<string, { sym: Sym; data: Float32Array }>() // declared parameters, by PyTorch key
  private readonly unwritten = new Map<string, TensorDef>() // parameters no node has read yet (data unused with paramInputs)
  private readonly transposed = new Map<string, string>() // key → initializer holding the weight transposed
  private readonly scalars = new Map<number, string>() // shared float scalars, by value
  private readonly int64Consts = new Map<string, string>() // shared shapes, axes and bounds, by contents
  private readonly ones = new Map<number, string>() // LayerNormalization scales, by width

  constructor(
    readonly graph: OnnxGraph,
    private readonly weights: WeightSource,
    private readonly options: TraceOptions = {},
  ) {}

  /** Declares a float graph input; -1 in dim 0 makes the batch dynamic. */
  input(name: string, shape: readonly number[]): Sym {
    return { name: this.graph.addInput(name, shape), shape: [...shape] }
  }

  /** Declares `x` as the graph output `name` (through an Identity, whatever produced x). */
  output(x: Sym, name: string): void {
    this.write([x.name])
    this.graph.addNode('Identity', [x.name], [], [name])
    this.graph.addOutput(name, x.shape)
  }

  /**
   * The parameter's value, named by its PyTorch key. Its initializer is written when a node first reads
   * it; a weight read only by `linear` is stored once, transposed (see `linear`).
   */
  param(ref: ParamRef): Sym {
    const known = this.params.get(ref.name)
    if (known) return known.sym
    const data = this.options.paramInputs ? new Float32Array(0) : this.weights(ref)
    if (!this.options.paramInputs && data.length !== numel(ref.shape)) {
      throw new Error(`weights for ${ref.name} hold ${data.length} values, shape [${ref.shape}] needs ${numel(ref.shape)}`)
    }
    this.graph.reserve(ref.name)
    this.unwritten.set(ref.name, { name: ref.name, dataType: DataType.FLOAT, dims: ref.shape, data })
    const sym = this.sym(ref.name, ref.shape)
    this.params.set(ref.name, { sym, data })
    return sym
  }

  constant(data: Float32Array, shape: readonly number[]): Sym {
    if (data.length !== numel(shape)) throw new Error(`constant has ${data.length} values, shape [${shape}] needs ${numel(shape)}`)
    return this.sym(this.graph.addFloatInitializer('const', data, shape), shape)
  }

  /** ConstantOfShape(Concat(Shape(like)[0:1], shape)). */
  fill(like: Sym, shape: readonly number[], value: number): Sym {
    this.write([like.name])
    const [batch] = this.graph.addNode('Shape', [like.name], [attr.int('start', 0), attr.int('end', 1)])
    const [dims] = this.graph.addNode('Concat', [batch, this.int64s('dims', shape)], [attr.int('axis', 0)])
    const valueTensor = { name: 'value', dataType: DataType.FLOAT, dims: [1], data: Float32Array.of(value) }
    return this.node('ConstantOfShape', [dims], [like.shape[0], ...shape], [attr.tensor('value', valueTensor)])
  }

  shape(x: Sym): number[] {
    return [...x.shape]
  }

  reshape(x: Sym, shape: readonly number[]): Sym {
    const { shape: out, operand } = reshapeShapes(x.shape, shape)
    return this.node('Reshape', [x.name, this.int64s('shape', operand)], out)
  }

  transpose(x: Sym, perm: readonly number[]): Sym {
    const isPermutation = perm.length === x.shape.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i)
    if (!isPermutation) throw new Error(`transpose perm [${perm}] is not a permutation of the axes of [${x.shape}]`)
    return this.node('Transpose', [x.name], perm.map((p) => x.shape[p]), [attr.ints('perm', perm)])
  }

  concat(xs: readonly Sym[], axis: number): Sym {
    const rank = xs[0].shape.length
    const a = normAxis(axis, rank)
    const out = [...xs[0].shape]
    out[a] = xs.some((x) => x.shape[a] === -1) ? -1 : xs.reduce((sum, x) => sum + x.shape[a], 0)
    return this.node('Concat', xs.map((x) => x.name), out, [attr.int('axis', a)])
  }

  slice(x: Sym, axis: number, begin: number, size: number): Sym {
    const a = normAxis(axis, x.shape.length)
    const dim = x.shape[a]
    if (begin < 0 || size < 0 || (dim !== -1 && begin + size > dim)) {
      throw new Error(`slice [${begin}, ${begin + size}) is out of range for dim ${a} of [${x.shape}]`)
    }
    const bounds = [this.int64s('starts', [begin]), this.int64s('ends', [begin + size]), this.int64s('axes', [a])]
    const out = x.shape.map((d, i) => (i === a ? size : d))
    return this.node('Slice', [x.name, ...bounds], out)
  }

  /**
   * MatMul(x, wᵀ) + b. A parameter weight [out, in] is stored pre-transposed as `<key>.T` [in, out]:
   * onnxruntime runs both layouts at the same speed but folds a Transpose node at every session load
   * (measured 2.5–3.5× slower load and one more copy of the weight in memory).
   */
  linear(x: Sym, w: Sym, b: Sym | null): Sym {
    const [outDim, inDim] = w.shape
    if (w.shape.length !== 2 || x.shape.at(-1) !== inDim) throw new Error(`linear: input [${x.shape}] does not fit weight [${w.shape}]`)
    const wT = this.params.get(w.name)?.sym === w ? this.sym(this.transposedParam(w.name), [inDim, outDim]) : this.transpose(w, [1, 0])
    const y = this.node('MatMul', [x.name, wT.name], matmulShape(x.shape, wT.shape))
    if (b === null) return y
    if (b.shape.length !== 1 || b.shape[0] !== outDim) throw new Error(`linear: bias [${b.shape}] does not fit weight [${w.shape}]`)
    return this.add(y, b)
  }

  matmul(a: Sym, b: Sym, transposeB: boolean): Sym {
    const rank = b.shape.length
    const bT = transposeB ? this.transpose(b, [...Array(rank - 2).keys(), rank - 1, rank - 2]) : b
    return this.node('MatMul', [a.name, bT.name], matmulShape(a.shape, bT.shape))
  }

  add(a: Sym, b: Sym): Sym {
    return this.node('Add', [a.name, b.name], broadcastShapes(a.shape, b.shape))
  }

  sub(a: Sym, b: Sym): Sym {
    return this.node('Sub', [a.name, b.name], broadcastShapes(a.shape, b.shape))
  }

  mul(a: Sym, b: Sym): Sym {
    return this.node('Mul', [a.name, b.name], broadcastShapes(a.shape, b.shape))
  }

  scale(x: Sym, s: number): Sym {
    return this.node('Mul', [x.name, this.scalar(s)], x.shape)
  }

  addScalar(x: Sym, s: number): Sym {
    return this.node('Add', [x.name, this.scalar(s)], x.shape)
  }

  /** x · Sigmoid(x). */
  silu(x: Sym): Sym {
    return this.mul(x, this.node('Sigmoid', [x.name], x.shape))
  }

  /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as nn.GELU(approximate="tanh"); opset 17 has no Gelu. */
  geluTanh(x: Sym): Sym {
    const cube = this.node('Pow', [x.name, this.scalar(3)], x.shape)
    const inner = this.scale(this.add(x, this.scale(cube, 0.044715)), SQRT_2_OVER_PI)
    const tanh = this.node('Tanh', [inner.name], x.shape)
    return this.mul(this.scale(x, 0.5), this.addScalar(tanh, 1))
  }

  softmax(x: Sym): Sym {
    return this.node('Softmax', [x.name], x.shape, [attr.int('axis', -1)])
  }

  /**
   * softmax(q kᵀ·scale) v → [B, L, H·D]. Fused: onnxruntime's MultiHeadAttention (com.microsoft) with q as
   * [B, L, H·D] and k, v in their [B, H, L, D] layout; it never holds the [B, H, L, L] weights for all heads
   * at once. Unfused: the same math in standard ops, as TfOps runs it.
   */
  attention(q: Sym, k: Sym, v: Sym, scale: number): Sym {
    const [, H, L] = q.shape
    if (q.shape.length !== 4 || k.shape.length !== 4 || v.shape.length !== 4) {
      throw new Error(`attention needs q, k, v [B, H, L, D], got [${q.shape}], [${k.shape}], [${v.shape}]`)
    }
    const merge = (x: Sym) => this.reshape(this.transpose(x, [0, 2, 1, 3]), [-1, x.shape[2], H * x.shape[3]]) // B H L D -> B L (H D)
    if (this.options.fusedAttention === false) {
      const weights = this.softmax(this.scale(this.matmul(q, k, true), scale)) // [B, H, L, L]
      return merge(this.matmul(weights, v, false))
    }
    const query = merge(q)
    this.write([query.name, k.name, v.name])
    const [out] = this.graph.addDomainNode('com.microsoft', 1, 'MultiHeadAttention', [query.name, k.name, v.name], [
      attr.int('num_heads', H),
      attr.float('scale', scale),
    ])
    const shape = [q.shape[0], L, H * v.shape[3]]
    this.graph.addValueInfo(out, shape)
    return this.sym(out, shape)
  }

  /** LayerNormalization over the last axis with a ones Scale (the op requires one) and no bias. */
  layerNorm(x: Sym, eps: number): Sym {
    const dim = x.shape.at(-1) ?? 1
    let ones = this.ones.get(dim)
    if (ones === undefined) {
      ones = this.graph.addFloatInitializer('ones', new Float32Array(dim).fill(1), [dim])
      this.ones.set(dim, ones)
    }
    return this.node('LayerNormalization', [x.name, ones], x.shape, [attr.int('axis', -1), attr.float('epsilon', eps)])
  }

  /** x / Sqrt(ReduceMean(x², -1) + eps) · scale, the pattern onnxruntime fuses into SimplifiedLayerNormalization. */
  rmsNorm(x: Sym, scale: Sym, eps: number): Sym {
    const square = this.node('Pow', [x.name, this.scalar(2)], x.shape)
    const meanShape = [...x.shape.slice(0, -1), 1]
    const mean = this.node('ReduceMean', [square.name], meanShape, [attr.ints('axes', [-1]), attr.int('keepdims', 1)])
    const rms = this.node('Sqrt', [this.addScalar(mean, eps).name], meanShape)
    return this.mul(this.node('Div', [x.name, rms.name], x.shape), scale)
  }

  cos(x: Sym): Sym {
    return this.node('Cos', [x.name], x.shape)
  }

  sin(x: Sym): Sym {
    return this.node('Sin', [x.name], x.shape)
  }

  private node(opType: string, inputs: readonly string[], shape: readonly number[], attributes: readonly Attribute[] = []): Sym {
    this.write(inputs)
    const [name] = this.graph.addNode(opType, inputs, attributes)
    this.graph.addValueInfo(name, shape)
    return this.sym(name, shape)
  }

  private sym(name: string, shape: readonly number[]): Sym {
    return { name, shape: [...shape] }
  }

  /** Writes the initializers of parameters about to be read for the first time. */
  private write(inputs: readonly string[]): void {
    for (const name of inputs) {
      const t = this.unwritten.get(name)
      if (t === undefined) continue
      if (this.options.paramInputs) this.graph.addInput(name, t.dims)
      else this.graph.addInitializer(t)
      this.unwritten.delete(name)
    }
  }

  /** `<key>.T`, the parameter's 2-D weight transposed, made lazily when the file is written. */
  private transposedParam(key: string): string {
    let name = this.transposed.get(key)
    if (name === undefined) {
      const { sym, data } = this.params.get(key)!
      const [rows, cols] = sym.shape
      const t = { name: transposedName(key), dataType: DataType.FLOAT, dims: [cols, rows], data: () => transpose2d(data, rows, cols) }
      name = this.options.paramInputs ? this.graph.addInput(t.name, t.dims) : this.graph.addInitializer(t)
      this.transposed.set(key, name)
    }
    return name
  }

  /** A float scalar initializer, shared by every use of the same value. */
  private scalar(value: number): string {
    let name = this.scalars.get(value)
    if (name === undefined) {
      name = this.graph.addFloatInitializer('scalar', Float32Array.of(value), [])
      this.scalars.set(value, name)
    }
    return name
  }

  /** A 1-D int64 initializer, shared by every use of the same values. */
  private int64s(base: string, values: readonly number[]): string {
    const key = `${base}:${values.join(',')}`
    let name = this.int64Consts.get(key)
    if (name === undefined) {
      name = this.graph.addInt64Initializer(base, values)
      this.int64Consts.set(key, name)
    }
    return name
  }
}
