// What the three perceptual subgraphs share: the network interface, a conv layer from constants (each weight emitted
// once per graph), LPIPS's unit normalisation over channels and one tap's squared feature difference (nets/lpips.ts,
// losses/perceptual-nets.ts). The networks run on x and on y separately (the tfjs losses batch them): x needs no VJP,
// so the backward pass covers B images, not 2B.
import type * as tf from '@tensorflow/tfjs-core'
import type { Sym } from '../trace-ops'
import { conv2d, maxScalar, type ConvSpec } from './conv-ops'
import type { GradOps } from './tape-ops'

/** A frozen perceptual network as graph-building code; `distance` is the batch mean, a scalar Sym. */
export interface PerceptualNetGraph {
  readonly name: string // as the tfjs loss: 'lpips-vgg' | 'resnet50' | 'proxy'
  /** x, y [B, 3, S, S] in [−1, 1] → mean over the batch of the network's distance. */
  distance(o: GradOps, x: Sym, y: Sym): Sym
}

/** A conv layer's constants: filter [out, in/group, kh, kw] (BN already folded in where it was), bias [out]. */
export interface ConvConstants {
  readonly filter: Float32Array
  readonly shape: readonly [number, number, number, number]
  readonly bias: Float32Array | null
  readonly spec: ConvSpec
}

export function convLayer(o: GradOps, x: Sym, c: ConvConstants): Sym {
  const bias = c.bias ? weightConstant(o, c.bias, [c.bias.length]) : null
  return conv2d(o, x, weightConstant(o, c.filter, c.shape), bias, c.spec)
}

const emitted = new WeakMap<GradOps, Map<Float32Array, Sym>>() // per graph: the initializer of each weight array

/** A weight array as a graph constant, emitted once per graph however often the network runs (on x, then on y). */
export function weightConstant(o: GradOps, data: Float32Array, shape: readonly number[]): Sym {
  let known = emitted.get(o)
  if (!known) emitted.set(o, (known = new Map()))
  let sym = known.get(data)
  if (!sym) known.set(data, (sym = o.constant(data, shape)))
  return sym
}

/** A tfjs weight's values (a copy: the graph keeps them after the tfjs loss is disposed). */
export function weightValues(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array)
}

/** A per-channel constant [1, C, 1, 1] that broadcasts over NCHW. */
export function channelConstant(o: GradOps, v: ArrayLike<number>): Sym {
  return o.constant(Float32Array.from(v), [1, v.length, 1, 1])
}

/** nets/lpips.ts `unitNormalize` over the channels of [N, C, h, w]: x / (√max(Σx², 1e-30) + 1e-10). */
export function unitNormalize(o: GradOps, f: Sym): Sym {
  const norm = o.powScalar(maxScalar(o, o.reduceSum(o.mul(f, f), [1], true), 1e-30), 0.5) // [N, 1, h, w]
  return o.mul(f, o.powScalar(o.addScalar(norm, 1e-10), -1))
}

/**
 * One tap's LPIPS-style term on the features [B, C, h, w] of x and of y: the unit-normalised squared difference,
 * weighted per channel by `lin` [1, C, 1, 1] (LPIPS heads) or not (the proxy), summed over channels → [B, h, w].
 */
export function tapDifference(o: GradOps, fx: Sym, fy: Sym, lin: Sym | null): Sym {
  const d = o.sub(unitNormalize(o, fx), unitNormalize(o, fy))
  const sq = o.mul(d, d)
  return o.reduceSum(lin ? o.mul(sq, lin) : sq, [1]) // [B, h, w]
}
