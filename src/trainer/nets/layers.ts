// torch.nn layers of the pretrained networks, declared by state-dict key (as model/params.ts does for FlowMo):
// `Conv2d`, `BatchNorm2d` (eval mode, folded into the conv before it), `Linear`. Forward runs NHWC on tfjs.
import * as tf from '@tensorflow/tfjs-core'
import type { ParamRef } from '../model/ops'
import type { Params } from '../model/params'
import { conv2d, flipFilter, linear, type Padding2D } from './conv'

/**
 * A network's weights on tfjs, by state-dict key in torch layout, plus tensors derived from them once
 * (tf-layout filters, BN folded into convs), kept until `dispose()`.
 */
export class NetWeights {
  private readonly derivedTensors = new Map<string, tf.Tensor>()
  constructor(private readonly raw: ReadonlyMap<string, tf.Tensor>) {}

  get(ref: ParamRef): tf.Tensor {
    const t = this.raw.get(ref.name)
    if (!t) throw new Error(`network weight ${ref.name} was not loaded`)
    return t
  }

  /** `make()` once per key, kept outside any tf.tidy; later calls return the same tensor. */
  derived<T extends tf.Tensor>(key: string, make: () => T): T {
    let t = this.derivedTensors.get(key)
    if (!t) {
      t = tf.keep(tf.tidy(make))
      this.derivedTensors.set(key, t)
    }
    return t as T
  }

  dispose(): void {
    for (const t of [...this.raw.values(), ...this.derivedTensors.values()]) t.dispose()
    this.derivedTensors.clear()
  }
}

export interface ConvOptions {
  stride?: number
  padding?: number | Padding2D
  bias?: boolean
}

/** `nn.Conv2d(inCh, outCh, kernel, stride, padding, bias)`; weight `[out, in, kh, kw]`. */
export class Conv2d {
  readonly weight: ParamRef
  readonly bias: ParamRef | null
  readonly stride: number
  readonly padding: Padding2D
  constructor(p: Params, inCh: number, outCh: number, kernel: number | Padding2D, opts: ConvOptions = {}) {
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel
    const pad = opts.padding ?? 0
    this.weight = p.declare('weight', [outCh, inCh, kh, kw])
    this.bias = opts.bias === false ? null : p.declare('bias', [outCh])
    this.stride = opts.stride ?? 1
    this.padding = typeof pad === 'number' ? [pad, pad] : pad
  }

  forward(w: NetWeights, x: tf.Tensor4D, bn: BatchNorm2d | null = null): tf.Tensor4D {
    const [filter, bias] = bn ? this.foldedParams(w, bn) : this.params(w)
    const flipped = w.derived(`${this.weight.name}:${bn ? 'folded' : 'plain'}:flipped`, () => flipFilter(filter))
    return conv2d(x, filter, bias, this.stride, this.padding, flipped)
  }

  private params(w: NetWeights): [tf.Tensor4D, tf.Tensor1D | null] {
    const filter = w.derived(`${this.weight.name}:hwio`, () => tf.transpose(w.get(this.weight), [2, 3, 1, 0]) as tf.Tensor4D)
    return [filter, this.bias ? (w.get(this.bias) as tf.Tensor1D) : null]
  }

  /** BN(conv(x)) = conv(x; w·γ/σ) + (b − μ)·γ/σ + β with σ = √(var + eps): one conv at run time. */
  private foldedParams(w: NetWeights, bn: BatchNorm2d): [tf.Tensor4D, tf.Tensor1D] {
    const key = `${this.weight.name}:folded`
    const scale = () => tf.div(w.get(bn.weight), tf.sqrt(tf.add(w.get(bn.runningVar), bn.eps))) as tf.Tensor1D
    const filter = w.derived(`${key}:hwio`, () => tf.mul(tf.transpose(w.get(this.weight), [2, 3, 1, 0]), scale()) as tf.Tensor4D)
    const bias = w.derived(`${key}:bias`, () => {
      const convBias = this.bias ? w.get(this.bias) : tf.zeros([this.weight.shape[0]!])
      return tf.add(tf.mul(tf.sub(convBias, w.get(bn.runningMean)), scale()), w.get(bn.bias)) as tf.Tensor1D
    })
    return [filter, bias]
  }
}

/** `nn.BatchNorm2d(ch, eps)` in eval mode: used only folded into the `Conv2d` before it. */
export class BatchNorm2d {
  readonly weight: ParamRef
  readonly bias: ParamRef
  readonly runningMean: ParamRef
  readonly runningVar: ParamRef
  constructor(p: Params, ch: number, readonly eps = 1e-5) {
    this.weight = p.declare('weight', [ch])
    this.bias = p.declare('bias', [ch])
    this.runningMean = p.declare('running_mean', [ch])
    this.runningVar = p.declare('running_var', [ch])
  }
}

/** `nn.Linear(inDim, outDim)`; weight `[out, in]`. */
export class Linear {
  readonly weight: ParamRef
  readonly bias: ParamRef
  constructor(p: Params, inDim: number, outDim: number) {
    this.weight = p.declare('weight', [outDim, inDim])
    this.bias = p.declare('bias', [outDim])
  }

  forward(w: NetWeights, x: tf.Tensor2D): tf.Tensor2D {
    const weightT = w.derived(`${this.weight.name}:t`, () => tf.transpose(w.get(this.weight)) as tf.Tensor2D)
    return linear(x, weightT, w.get(this.bias) as tf.Tensor1D)
  }
}

/** Scales every channel width of a network down by `widthDivisor` (1 = the real network; tests use 8 or 16). */
export function scaledWidth(width: number, widthDivisor: number): number {
  if (!Number.isInteger(width / widthDivisor)) throw new Error(`width ${width} is not divisible by widthDivisor ${widthDivisor}`)
  return width / widthDivisor
}
