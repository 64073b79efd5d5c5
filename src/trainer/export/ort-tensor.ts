// A float32 onnxruntime tensor over a Float32Array (no copy): the feeds of the training engine's sessions.
import * as ort from 'onnxruntime-node'

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, [...dims])
}
