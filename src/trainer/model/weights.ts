// Binds a checkpoint's state dict to a FlowMo model on tfjs: every name and shape is checked first
// (like load_state_dict(strict=True)), then tensors are read one at a time into tf variables.
import * as tf from '@tensorflow/tfjs-core'
import { CheckpointError, compareStateDict, formatStateDictReport, isExactMatch, type LoadedWeights } from '../checkpoint/checkpoint'
import type { FlowMo } from './flowmo'

export type WeightMap = Map<string, tf.Variable>

/** Throws a CheckpointError listing missing / unexpected / mismatched keys unless the state dict fits the model. */
export function checkStateDict(model: FlowMo, weights: LoadedWeights): void {
  const expected = model.parameters().map((p) => [p.name, p.shape] as const)
  const report = compareStateDict(expected, weights.tensors)
  if (!isExactMatch(report)) {
    throw new CheckpointError(
      `${weights.path} does not fit the ${model.config.name} config:\n${formatStateDictReport(report)}`,
    )
  }
}

/** Reads every parameter into a tf.Variable (trainable or not), keyed by its PyTorch name. */
export async function loadWeightMap(model: FlowMo, weights: LoadedWeights, trainable = false): Promise<WeightMap> {
  checkStateDict(model, weights)
  const map: WeightMap = new Map()
  for (const ref of model.parameters()) {
    const data = await weights.tensors.get(ref.name)!.read()
    map.set(ref.name, tf.variable(tf.tensor(data, [...ref.shape], 'float32'), trainable))
  }
  return map
}

export function disposeWeightMap(map: WeightMap): void {
  for (const v of map.values()) v.dispose()
  map.clear()
}
