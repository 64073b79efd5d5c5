// A plain-TypeScript reference execution of `Ops` (float64 loops, no libraries) that the traced ONNX
// graphs are checked against; written straight from the definitions in model/ops.ts.
import type { Ops, ParamRef } from '../../../src/trainer/model/ops'
import { numel } from '../../../src/trainer/model/params'

export interface RefTensor {
  readonly data: Float64Array
  readonly shape: readonly number[]
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1)
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1]
  return s
}

/** Calls f(outIndex, multiIndex) for every element of `shape`, in row-major order. */
function forEachIndex(shape: readonly number[], f: (flat: number, idx: number[]) => void): void {
  const idx = new Array<number>(shape.length).fill(0)
  for (let flat = 0; flat < numel(shape); flat++) {
    f(flat, idx)
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0
  }
}

function map(x: RefTensor, f: (v: number) => number): RefTensor {
  return { data: x.data.map(f), shape: x.shape }
}

function broadcast(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const rank = Math.max(a.shape.length, b.shape.length)
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s]
  const [sa, sb] = [pad(a.shape), pad(b.shape)]
  const shape = sa.map((d, i) => Math.max(d, sb[i]))
  const [ta, tb] = [strides(sa), strides(sb)]
  const data = new Float64Array(numel(shape))
  forEachIndex(shape, (flat, idx) => {
    let ia = 0
    let ib = 0
    idx.forEach((v, d) => {
      ia += (sa[d] === 1 ? 0 : v) * ta[d]
      ib += (sb[d] === 1 ? 0 : v) * tb[d]
    })
    data[flat] = f(a.data[ia], b.data[ib])
  })
  return { data, shape }
}

/** Applies f to each row of the last axis. */
function rows(x: RefTensor, f: (row: Float64Array) => Float64Array): RefTensor {
  const n = x.shape.at(-1) ?? 1
  const data = new Float64Array(x.data.length)
  for (let r = 0; r < x.data.length; r += n) data.set(f(x.data.subarray(r, r + n)), r)
  return { data, shape: x.shape }
}

const mean = (v: Float64Array) => v.reduce((s, e) => s + e, 0) / v.length

export class RefOps implements Ops<RefTensor> {
  constructor(private readonly weights: (ref: ParamRef) => Float32Array) {}

  param(ref: ParamRef): RefTensor {
    return { data: Float64Array.from(this.weights(ref)), shape: ref.shape }
  }

  constant(data: Float32Array, shape: readonly number[]): RefTensor {
    return { data: Float64Array.from(data), shape }
  }

  fill(like: RefTensor, shape: readonly number[], value: number): RefTensor {
    const full = [like.shape[0], ...shape]
    return { data: new Float64Array(numel(full)).fill(value), shape: full }
  }

  shape(x: RefTensor): number[] {
    return [...x.shape]
  }

  reshape(x: RefTensor, shape: readonly number[]): RefTensor {
    const known = numel(shape.filter((d) => d !== -1))
    return { data: x.data, shape: shape.map((d) => (d === -1 ? x.data.length / known : d)) }
  }

  transpose(x: RefTensor, perm: readonly number[]): RefTensor {
    const shape = perm.map((p) => x.shape[p])
    const s = strides(x.shape)
    const data = new Float64Array(x.data.length)
    forEachIndex(shape, (flat, idx) => {
      data[flat] = x.data[idx.reduce((off, v, d) => off + v * s[perm[d]], 0)]
    })
    return { data, shape }
  }

  concat(xs: readonly RefTensor[], axis: number): RefTensor {
    const a = axis < 0 ? axis + xs[0].shape.length : axis
    const shape = [...xs[0].shape]
    shape[a] = xs.reduce((sum, x) => sum + x.shape[a], 0)
    const data = new Float64Array(numel(shape))
    const outer = numel(shape.slice(0, a))
    let offset = 0
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const block = numel(x.shape.slice(a))
        data.set(x.data.subarray(o * block, (o + 1) * block), offset)
        offset += block
      }
    }
    return { data, shape }
  }

  slice(x: RefTensor, axis: number, begin: number, size: number): RefTensor {
    const a = axis < 0 ? axis + x.shape.length : axis
    const shape = x.shape.map((d, i) => (i === a ? size : d))
    const s = strides(x.shape)
    const data = new Float64Array(numel(shape))
    forEachIndex(shape, (flat, idx) => {
      data[flat] = x.data[idx.reduce((off, v, d) => off + (d === a ? v + begin : v) * s[d], 0)]
    })
    return { data, shape }
  }

  linear(x: RefTensor, w: RefTensor, b: RefTensor | null): RefTensor {
    const y = this.matmul(x, w, true)
    return b ? this.add(y, b) : y
  }

  /** Leading dims of b broadcast against a's (a 2-D weight applies to every batch of a). */
  matmul(a: RefTensor, b: RefTensor, transposeB: boolean): RefTensor {
    const [m, k] = a.shape.slice(-2)
    const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!
    const batch = a.shape.slice(0, -2)
    const bBatch = numel(b.shape.slice(0, -2))
    const data = new Float64Array(numel(batch) * m * n)
    for (let bi = 0; bi < numel(batch); bi++) {
      const ao = bi * m * k
      const bo = (bBatch === 1 ? 0 : bi) * k * n
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0
          for (let p = 0; p < k; p++) sum += a.data[ao + i * k + p] * b.data[bo + (transposeB ? j * k + p : p * n + j)]
          data[(bi * m + i) * n + j] = sum
        }
      }
    }
    return { data, shape: [...batch, m, n] }
  }

  add(a: RefTensor, b: RefTensor): RefTensor {
    return broadcast(a, b, (x, y) => x + y)
  }

  sub(a: RefTensor, b: RefTensor): RefTensor {
    return broadcast(a, b, (x, y) => x - y)
  }

  mul(a: RefTensor, b: RefTensor): RefTensor {
    return broadcast(a, b, (x, y) => x * y)
  }

  scale(x: RefTensor, s: number): RefTensor {
    return map(x, (v) => v * s)
  }

  addScalar(x: RefTensor, s: number): RefTensor {
    return map(x, (v) => v + s)
  }

  silu(x: RefTensor): RefTensor {
    return map(x, (v) => v / (1 + Math.exp(-v)))
  }

  geluTanh(x: RefTensor): RefTensor {
    return map(x, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))))
  }

  softmax(x: RefTensor): RefTensor {
    return rows(x, (row) => {
      const max = Math.max(...row)
      const e = row.map((v) => Math.exp(v - max))
      const sum = e.reduce((s, v) => s + v, 0)
      return e.map((v) => v / sum)
    })
  }

  attention(q: RefTensor, k: RefTensor, v: RefTensor, scale: number): RefTensor {
    const [, H, L, D] = v.shape
    const x = this.matmul(this.softmax(this.scale(this.matmul(q, k, true), scale)), v, false) // [B, H, L, D]
    return this.reshape(this.transpose(x, [0, 2, 1, 3]), [-1, L, H * D])
  }

  layerNorm(x: RefTensor, eps: number): RefTensor {
    return rows(x, (row) => {
      const mu = mean(row)
      const variance = mean(row.map((v) => (v - mu) ** 2))
      return row.map((v) => (v - mu) / Math.sqrt(variance + eps))
    })
  }

  rmsNorm(x: RefTensor, scale: RefTensor, eps: number): RefTensor {
    const normed = rows(x, (row) => row.map((v) => v / Math.sqrt(mean(row.map((e) => e * e)) + eps)))
    return this.mul(normed, scale)
  }

  cos(x: RefTensor): RefTensor {
    return map(x, Math.cos)
  }

  sin(x: RefTensor): RefTensor {
    return map(x, Math.sin)
  }
}
