// A small interpreter for Keras functional models saved in the tfjs layers format (model.json topology +
// weight manifest), for the layer kinds of MobileNetV2: InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D,
// BatchNormalization, ReLU, Add. It runs on our conv toolkit, so input gradients exist on every backend.
import * as tf from '@tensorflow/tfjs-core'
import { conv2d, depthwiseConv2d, flipFilter, type Padding2D } from './conv'

export interface KerasLayer {
  name: string
  class_name: string
  config: Record<string, unknown>
  inbound_nodes: [string, number, number, unknown][][]
}

export interface LayerConfig {
  padding?: string | number[][]
  strides?: number[]
  kernel_size?: number[]
  use_bias?: boolean
  epsilon?: number
  max_value?: number | null
  negative_slope?: number
  threshold?: number
}

export class KerasGraph {
  private readonly byName: Map<string, KerasLayer>
  private readonly flippedKernels = new Map<string, tf.Tensor4D>() // Conv2D backward filters, made once

  /** `weights`: the decoded manifest (`<layer>/kernel`, `<layer>/gamma`, …); kept until dispose(). */
  constructor(readonly layers: readonly KerasLayer[], private readonly weights: tf.NamedTensorMap) {
    this.byName = new Map(layers.map((l) => [l.name, l]))
  }

  /** Runs the graph on `[B, H, W, C]` up to the last of `taps`, returning each tap's output. */
  run(x: tf.Tensor4D, taps: readonly string[]): tf.Tensor4D[] {
    for (const t of taps) if (!this.byName.has(t)) throw new Error(`the model has no layer ${t}`)
    const last = Math.max(...taps.map((t) => this.layers.findIndex((l) => l.name === t)))
    const outputs = new Map<string, tf.Tensor4D>()
    for (const layer of this.layers.slice(0, last + 1)) {
      const inputs = (layer.inbound_nodes[0] ?? []).map(([name]) => outputs.get(name)!)
      outputs.set(layer.name, layer.class_name === 'InputLayer' ? x : this.apply(layer, inputs))
    }
    return taps.map((t) => outputs.get(t)!)
  }

  /** A Dense layer of the head (after the 4-D graph) on `[B, in]`: kernel, bias and its relu / softmax / linear activation. */
  dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const layer = this.byName.get(name)
    if (!layer || layer.class_name !== 'Dense') throw new Error(`the model has no Dense layer ${name}`)
    const y = tf.add(tf.matMul(x, this.weight(`${name}/kernel`) as tf.Tensor2D), this.weight(`${name}/bias`)) as tf.Tensor2D
    const activation = layer.config.activation
    if (activation === 'relu') return tf.relu(y)
    if (activation === 'softmax') return tf.softmax(y)
    if (activation === 'linear' || activation === undefined) return y
    throw new Error(`Dense layer ${name}: unsupported activation ${String(activation)}`)
  }

  dispose(): void {
    for (const t of [...Object.values(this.weights), ...this.flippedKernels.values()]) t.dispose()
    this.flippedKernels.clear()
  }

  private flipped(name: string, kernel: tf.Tensor4D): tf.Tensor4D {
    let t = this.flippedKernels.get(name)
    if (!t) this.flippedKernels.set(name, (t = tf.keep(tf.tidy(() => flipFilter(kernel)))))
    return t
  }

  private apply(layer: KerasLayer, inputs: tf.Tensor4D[]): tf.Tensor4D {
    const c = layer.config as LayerConfig
    const x = inputs[0]!
    const w = (suffix: string) => this.weight(`${layer.name}/${suffix}`)
    switch (layer.class_name) {
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as number[][] as [[number, number], [number, number]]
        return tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
      }
      case 'Conv2D': {
        const kernel = w('kernel') as tf.Tensor4D
        const bias = c.use_bias ? (w('bias') as tf.Tensor1D) : null
        return conv2d(samePad(x, c, kernel.shape), kernel, bias, c.strides![0]!, [0, 0], this.flipped(layer.name, kernel))
      }
      case 'DepthwiseConv2D': {
        const kernel = w('depthwise_kernel') as tf.Tensor4D
        const y = depthwiseConv2d(samePad(x, c, kernel.shape), kernel, c.strides![0]!, [0, 0])
        return c.use_bias ? tf.add(y, w('bias')) : y
      }
      case 'BatchNormalization': {
        const scale = tf.div(w('gamma'), tf.sqrt(tf.add(w('moving_variance'), c.epsilon ?? 1e-3)))
        return tf.add(tf.mul(tf.sub(x, w('moving_mean')), scale), w('beta'))
      }
      case 'ReLU':
        if (c.negative_slope || c.threshold) throw new Error(`${layer.name}: leaky/thresholded ReLU is not supported`)
        return c.max_value == null ? tf.relu(x) : tf.minimum(tf.relu(x), c.max_value)
      case 'Add':
        return tf.addN(inputs) as tf.Tensor4D
      default:
        throw new Error(`unsupported Keras layer ${layer.class_name} (${layer.name})`)
    }
  }

  /** A weight of the manifest by name (`<layer>/kernel`, …). */
  weight(name: string): tf.Tensor {
    const t = this.weights[name]
    if (!t) throw new Error(`the weight manifest has no ${name}`)
    return t
  }
}

function samePad(x: tf.Tensor4D, c: LayerConfig, kernelShape: number[]): tf.Tensor4D {
  if (c.padding !== 'same') return x
  const pads = [1, 2].map((axis, i) => samePadding(x.shape[axis]!, c.strides![0]!, kernelShape[i]!))
  return tf.pad(x, [[0, 0], pads[0]!, pads[1]!, [0, 0]] as [number, number][])
}

/** Keras `padding='same'` of an axis of n pixels: total `max((⌈n/s⌉ − 1)·s + k − n, 0)`, the odd pixel at the end. */
export function samePadding(n: number, s: number, k: number): Padding2D {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0)
  return [Math.floor(total / 2), total - Math.floor(total / 2)]
}
