// The ops of the frozen perceptual networks traced for differentiation (NCHW, torch semantics, as nets/conv.ts,
// nets/pool.ts and nets/resize.ts compute them on tfjs). The networks' weights are constants, so every VJP here
// is the input gradient only: conv → ConvTranspose with the same filter, max pool → g routed to each window's first
// maximum by equality masks, resize → the transposed interpolation matrices, ReLU/ReLU6 → a mask.
import { bilinearMatrix } from '../../nets/resize'
import { attr } from '../onnx-graph'
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'
import type { GradOps } from './tape-ops'

/** torch-style padding of the two spatial axes: rows top and bottom, columns left and right. */
export interface Pads2D {
  readonly top: number
  readonly bottom: number
  readonly left: number
  readonly right: number
}

/** torch `padding=(ph, pw)`. */
export const torchPads = ([ph, pw]: readonly [number, number]): Pads2D => ({ top: ph, bottom: ph, left: pw, right: pw })

export interface ConvSpec {
  readonly stride: number
  readonly pads: Pads2D
  readonly group: number // 1, or the channel count for a depthwise conv
}

/**
 * `F.conv2d(x, w, b, stride, padding, groups)`: x [B, C, H, W], w a constant [out, C/group, kh, kw]. The input
 * gradient is ConvTranspose(g, w) with the same attributes; output_padding adds the rows/columns at the end that
 * no window reached (ONNX: less than the stride).
 */
export function conv2d(o: GradOps, x: Sym, w: Sym, b: Sym | null, spec: ConvSpec): Sym {
  const [B, , H, W] = x.shape
  const [outCh, , kh, kw] = w.shape
  const { stride: s, pads: p } = spec
  const [outH, outW] = [Math.floor((H + p.top + p.bottom - kh) / s) + 1, Math.floor((W + p.left + p.right - kw) / s) + 1]
  const attrs = [
    attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [s, s]), attr.ints('pads', [p.top, p.left, p.bottom, p.right]), attr.int('group', spec.group),
  ]
  const y = o.e.node('Conv', b ? [x, w, b] : [x, w], [B, outCh, outH, outW], attrs)
  return record(o, y, [x], (g) => {
    const unreached = [H + p.top + p.bottom - ((outH - 1) * s + kh), W + p.left + p.right - ((outW - 1) * s + kw)]
    return o.e.node('ConvTranspose', [g, w], x.shape, [...attrs, attr.ints('output_padding', unreached)])
  })
}

/**
 * `F.max_pool2d(x, k, stride, padding)` (floor mode; the padding never wins). The gradient goes to each window's first
 * maximum in row-major order (torch's tie rule, as nets/pool.ts), found with equality masks: onnxruntime's WebGPU
 * MaxPool has no Indices output.
 */
export function maxPool2d(o: GradOps, x: Sym, k: number, stride: number, padding = 0): Sym {
  const [B, C, H, W] = x.shape
  const out = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1
  const attrs = [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [stride, stride]), attr.ints('pads', [padding, padding, padding, padding])]
  const y = o.e.node('MaxPool', [x], [B, C, out(H), out(W)], attrs)
  return record(o, y, [x], (g) => maxPoolInputGrad(o.e, x, y, g, k, stride, padding))
}

/**
 * Tap by tap (i, j) of the k×k window: the strided Slice of the −∞-padded input that holds each window's pixel (i, j),
 * where it equals the pooled value and no earlier tap took the window, gets g; that share is spread back by the stride
 * to its pixels. The shares are summed and the padding cut off.
 */
function maxPoolInputGrad(e: Emitter, x: Sym, y: Sym, g: Sym, k: number, s: number, p: number): Sym {
  const [B, C, H, W] = x.shape
  const [, , oh, ow] = y.shape
  const padded = p > 0 ? e.node('Pad', [x, e.int64s([0, 0, p, p, 0, 0, p, p]), e.scalar(-Infinity)], [B, C, H + 2 * p, W + 2 * p]) : x
  const [Hp, Wp] = [H + 2 * p, W + 2 * p]
  let taken: Sym | null = null // 1 where an earlier tap took the window's maximum, else 0 ([B, C, oh, ow]; float: WebGPU has no Or)
  let dx: Sym | null = null
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const bounds = [e.int64s([i, j]), e.int64s([i + (oh - 1) * s + 1, j + (ow - 1) * s + 1]), e.int64s([2, 3]), e.int64s([s, s])]
      const isMax = e.node('Cast', [e.node('Equal', [e.node('Slice', [padded, ...bounds], y.shape), y], y.shape)], y.shape, [attr.int('to', 1)])
      const first: Sym = taken ? e.binary('Mul', isMax, e.binary('Sub', e.scalar(1), taken)) : isMax
      taken = taken ? e.binary('Add', taken, first) : first
      const share = spreadByStride(e, e.binary('Mul', first, g), s) // [B, C, (oh − 1)·s + 1, (ow − 1)·s + 1]
      const [, , sh, sw] = share.shape
      const placed = e.node('Pad', [share, e.int64s([0, 0, i, j, 0, 0, Hp - i - sh, Wp - j - sw])], [B, C, Hp, Wp])
      dx = dx ? e.binary('Add', dx, placed) : placed
    }
  }
  if (p === 0) return dx!
  return e.node('Slice', [dx!, e.int64s([p, p]), e.int64s([p + H, p + W]), e.int64s([2, 3])], x.shape)
}

/** [B, C, h, w] → [B, C, (h − 1)·s + 1, (w − 1)·s + 1] with s − 1 zeros between neighbours (nets/conv.ts `spreadByStride`). */
function spreadByStride(e: Emitter, v: Sym, s: number): Sym {
  if (s === 1) return v
  const [B, C, h, w] = v.shape
  const cells = e.node('Pad', [e.reshape(v, [B, C, h, 1, w, 1]), e.int64s([0, 0, 0, 0, 0, 0, 0, 0, 0, s - 1, 0, s - 1])], [B, C, h, s, w, s])
  const grid = e.reshape(cells, [B, C, h * s, w * s])
  return e.node('Slice', [grid, e.int64s([0, 0]), e.int64s([(h - 1) * s + 1, (w - 1) * s + 1]), e.int64s([2, 3])], [B, C, (h - 1) * s + 1, (w - 1) * s + 1])
}

/** Zero padding of the spatial axes (Keras ZeroPadding2D); the gradient is the slice that drops it. */
export function pad2d(o: GradOps, x: Sym, p: Pads2D): Sym {
  const [B, C, H, W] = x.shape
  const y = o.e.node('Pad', [x, o.e.int64s([0, 0, p.top, p.left, 0, 0, p.bottom, p.right])], [B, C, H + p.top + p.bottom, W + p.left + p.right])
  return record(o, y, [x], (g) => {
    const bounds = [o.e.int64s([p.top, p.left]), o.e.int64s([p.top + H, p.left + W]), o.e.int64s([2, 3])]
    return o.e.node('Slice', [g, ...bounds], x.shape)
  })
}

/** max(x, 0); the gradient passes where x > 0 (tf.relu's step). */
export function relu(o: GradOps, x: Sym): Sym {
  const y = o.e.unary('Relu', x)
  return record(o, y, [x], (g) => o.e.node('Where', [o.e.node('Greater', [x, o.e.scalar(0)], x.shape), g, o.e.scalar(0)], x.shape))
}

/** min(max(x, 0), 6) (Keras ReLU(max_value=6)); the gradient passes where 0 < x ≤ 6, as tf.minimum(tf.relu(x), 6). */
export function relu6(o: GradOps, x: Sym): Sym {
  const e = o.e
  const y = e.node('Clip', [x, e.scalar(0), e.scalar(6)], x.shape)
  return record(o, y, [x], (g) => {
    const inside = e.node('And', [e.node('Greater', [x, e.scalar(0)], x.shape), e.node('LessOrEqual', [x, e.scalar(6)], x.shape)], x.shape)
    return e.node('Where', [inside, g, e.scalar(0)], x.shape)
  })
}

/** max(x, s); the gradient passes where x ≥ s (tf.maximum's rule). */
export function maxScalar(o: GradOps, x: Sym, s: number): Sym {
  const y = o.e.node('Max', [x, o.e.scalar(s)], x.shape)
  return record(o, y, [x], (g) => o.e.node('Where', [o.e.node('GreaterOrEqual', [x, o.e.scalar(s)], x.shape), g, o.e.scalar(0)], x.shape))
}

/**
 * nets/resize.ts `resizeBilinear` on [B, C, H, W]: x·Wᵀ along the columns, then H·(…) along the rows, with the
 * same interpolation matrices; the gradient is the same two MatMuls with the transposed matrices.
 */
export function resizeBilinear(o: GradOps, x: Sym, outH: number, outW: number, antialias: boolean): Sym {
  const [B, C, H, W] = x.shape
  if (H === outH && W === outW) return x
  const e = o.e
  const wRows = bilinearMatrix(W, outW, antialias) // [outW, W]
  const hRows = bilinearMatrix(H, outH, antialias) // [outH, H]
  const wT = e.constant(transposed(wRows, outW, W), [W, outW])
  const alongW = e.matmul(x, wT) // [B, C, H, outW]
  const y = e.node('MatMul', [e.constant(hRows, [outH, H]), alongW], [B, C, outH, outW])
  return record(o, y, [x], (g) => {
    const back = e.node('MatMul', [e.constant(transposed(hRows, outH, H), [H, outH]), g], [B, C, H, outW])
    return e.matmul(back, e.constant(wRows, [outW, W]))
  })
}

function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!
  return t
}

function record(o: GradOps, y: Sym, inputs: Sym[], vjp: (g: Sym) => Sym): Sym {
  o.tape.record(y, inputs, (g) => [vjp(g)])
  return y
}
