// Static-shape ONNX (opset 17) node emission for the training graph: every value has a fully known shape
// (the batch is fixed), so shape operands are int64 initializers and no Shape node is ever needed.
import { numel } from '../../model/params'
import { attr, type OnnxGraph } from '../onnx-graph'
import type { Attribute } from '../onnx-proto'
import type { Sym } from '../trace-ops'
import { broadcastShapes, matmulShape, normAxis, reshapeShapes } from '../trace-shapes'

export class Emitter {
  private readonly scalars = new Map<number, string>() // shared float scalars, by value
  private readonly int64Consts = new Map<string, string>() // shared shapes, axes and bounds, by contents

  constructor(readonly graph: OnnxGraph) {}

  /** One node; `output` names its value a graph output directly (no Identity copy of a large result). */
  node(opType: string, inputs: readonly (Sym | string)[], shape: readonly number[], attributes: readonly Attribute[] = [], output?: string): Sym {
    const names = inputs.map((i) => (typeof i === 'string' ? i : i.name))
    const [name] = this.graph.addNode(opType, names, attributes, output === undefined ? undefined : [output])
    if (output !== undefined) this.graph.addOutput(output, shape)
    return { name, shape: [...shape] }
  }

  constant(data: Float32Array, shape: readonly number[]): Sym {
    if (data.length !== numel(shape)) throw new Error(`constant has ${data.length} values, shape [${shape}] needs ${numel(shape)}`)
    return { name: this.graph.addFloatInitializer('const', data, shape), shape: [...shape] }
  }

  /** A float scalar initializer, shared by every use of the same value. */
  scalar(value: number): Sym {
    let name = this.scalars.get(value)
    if (name === undefined) {
      name = this.graph.addFloatInitializer('scalar', Float32Array.of(value), [])
      this.scalars.set(value, name)
    }
    return { name, shape: [] }
  }

  /** A 1-D int64 initializer, shared by every use of the same values. */
  int64s(values: readonly number[]): string {
    const key = values.join(',')
    let name = this.int64Consts.get(key)
    if (name === undefined) {
      name = this.graph.addInt64Initializer('i64', values)
      this.int64Consts.set(key, name)
    }
    return name
  }

  fill(shape: readonly number[], value: number): Sym {
    const valueTensor = { name: 'value', dataType: 1 as const, dims: [1], data: Float32Array.of(value) }
    return this.node('ConstantOfShape', [this.int64s(shape)], shape, [attr.tensor('value', valueTensor)])
  }

  reshape(x: Sym, shape: readonly number[]): Sym {
    const { shape: out, operand } = reshapeShapes(x.shape, shape)
    if (out.every((d, i) => d === x.shape[i]) && out.length === x.shape.length) return x
    return this.node('Reshape', [x, this.int64s(operand)], out)
  }

  transpose(x: Sym, perm: readonly number[]): Sym {
    return this.node('Transpose', [x], perm.map((p) => x.shape[p]), [attr.ints('perm', perm)])
  }

  slice(x: Sym, axis: number, begin: number, size: number): Sym {
    const a = normAxis(axis, x.shape.length)
    if (begin < 0 || begin + size > x.shape[a]) throw new Error(`slice [${begin}, ${begin + size}) is out of range for dim ${a} of [${x.shape}]`)
    const bounds = [this.int64s([begin]), this.int64s([begin + size]), this.int64s([a])]
    return this.node('Slice', [x, ...bounds], x.shape.map((d, i) => (i === a ? size : d)))
  }

  /** Zero-pads axis `axis` of x with `before` and `after` entries (the gradient of a slice). */
  pad(x: Sym, axis: number, before: number, after: number): Sym {
    const rank = x.shape.length
    const pads = new Array<number>(2 * rank).fill(0)
    pads[axis] = before
    pads[rank + axis] = after
    return this.node('Pad', [x, this.int64s(pads)], x.shape.map((d, i) => (i === axis ? d + before + after : d)))
  }

  concat(xs: readonly Sym[], axis: number): Sym {
    const a = normAxis(axis, xs[0].shape.length)
    const out = [...xs[0].shape]
    out[a] = xs.reduce((sum, x) => sum + x.shape[a], 0)
    return this.node('Concat', xs, out, [attr.int('axis', a)])
  }

  binary(opType: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow', a: Sym, b: Sym, output?: string): Sym {
    return this.node(opType, [a, b], broadcastShapes(a.shape, b.shape), [], output)
  }

  unary(opType: string, x: Sym): Sym {
    return this.node(opType, [x], x.shape)
  }

  matmul(a: Sym, b: Sym): Sym {
    return this.node('MatMul', [a, b], matmulShape(a.shape, b.shape))
  }

  /** Gemm on 2-D operands: op(a)·op(b) (+ c). */
  gemm(a: Sym, b: Sym, c: Sym | null, transA: boolean, transB: boolean): Sym {
    const m = transA ? a.shape[1] : a.shape[0]
    const n = transB ? b.shape[0] : b.shape[1]
    const attrs = [attr.int('transA', transA ? 1 : 0), attr.int('transB', transB ? 1 : 0)]
    return this.node('Gemm', c ? [a, b, c] : [a, b], [m, n], attrs)
  }

  /** ReduceSum over `axes` (all when empty); opset 13+ takes the axes as an input. */
  reduceSum(x: Sym, axes: readonly number[], keepdims: boolean): Sym {
    const all = axes.length === 0 ? x.shape.map((_, i) => i) : axes.map((a) => normAxis(a, x.shape.length))
    const shape = reducedShape(x.shape, all, keepdims)
    return this.node('ReduceSum', [x, this.int64s(all)], shape, [attr.int('keepdims', keepdims ? 1 : 0)])
  }

  /** ReduceMean over `axes` (all when empty); opset 17 takes the axes as an attribute. */
  reduceMean(x: Sym, axes: readonly number[], keepdims: boolean): Sym {
    const all = axes.length === 0 ? x.shape.map((_, i) => i) : axes.map((a) => normAxis(a, x.shape.length))
    const shape = reducedShape(x.shape, all, keepdims)
    return this.node('ReduceMean', [x], shape, [attr.ints('axes', all), attr.int('keepdims', keepdims ? 1 : 0)])
  }

  expand(x: Sym, shape: readonly number[]): Sym {
    return this.node('Expand', [x, this.int64s(shape)], shape)
  }

  /** Sums a broadcast result `g` back to the operand shape `shape` (numpy rules). */
  unbroadcast(g: Sym, shape: readonly number[]): Sym {
    const offset = g.shape.length - shape.length
    const axes = g.shape.map((_, i) => i).filter((i) => i < offset || (shape[i - offset] === 1 && g.shape[i] !== 1))
    if (axes.length === 0) return g
    return this.reshape(this.reduceSum(g, axes, true), shape)
  }

  identity(x: Sym, name: string): void {
    this.graph.addNode('Identity', [x.name], [], [name])
    this.graph.addOutput(name, x.shape)
  }
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))
}
