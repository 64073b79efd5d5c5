// Binds a checkpoint's state dict to a FlowMo model on tfjs: every name and shape is checked first
// (like load_state_dict(strict=True)), then tensors are read one at a time into tf variables. A file marked
// inference-only (metadata `inference_only`) may leave out the parameters the inference forward never reads.
import * as tf from '@tensorflow/tfjs-core'
import { CheckpointError, compareStateDict, formatStateDictReport, isExactMatch, type LoadedWeights } from '../checkpoint/checkpoint'
import type { Linear } from './layers'
import type { FlowMo } from './flowmo'
import type { ParamRef } from './ops'

export type WeightMap = Map<string, tf.Variable>

/** Metadata key of a state dict without the parameters that inference never reads. */
export const INFERENCE_ONLY_KEY = 'inference_only'

/**
 * Parameters the inference forward never reads (reference spec §2.2): the encoder's time embedding, modulations,
 * image head and adaLN of its txt head, the discarded stream of each stack's last block, the decoder's txt head.
 */
export function unusedAtInference(model: FlowMo): Set<string> {
  const refs = (l: Linear): ParamRef[] => (l.bias ? [l.weight, l.bias] : [l.weight])
  const { encoder: e, decoder: d } = model
  const lastE = e.doubleBlocks[e.doubleBlocks.length - 1]
  const lastD = d.doubleBlocks[d.doubleBlocks.length - 1]
  const unused = [
    e.timeIn.inLayer, e.timeIn.outLayer, ...e.doubleBlocks.flatMap((b) => [b.img.mod.lin, b.txt.mod.lin]),
    e.finalLayerImg.linear, e.finalLayerImg.adaLN, e.finalLayerTxt.adaLN,
    lastE.img.attn.proj, lastE.img.mlp0, lastE.img.mlp2,
    d.finalLayerTxt.linear, d.finalLayerTxt.adaLN, lastD.txt.attn.proj, lastD.txt.mlp0, lastD.txt.mlp2,
  ].flatMap(refs)
  return new Set(unused.map((r) => r.name))
}

/** The (name, shape) list `weights` must hold for `model`: all of it, or the inference subset if the file says so. */
export function expectedParams(model: FlowMo, weights: LoadedWeights): [string, readonly number[]][] {
  const unused = weights.metadata[INFERENCE_ONLY_KEY] === 'true' ? unusedAtInference(model) : new Set<string>()
  return model.parameters().filter((p) => !unused.has(p.name)).map((p) => [p.name, p.shape])
}

/** Throws a CheckpointError listing missing / unexpected / mismatched keys unless the state dict fits the model. */
export function checkStateDict(model: FlowMo, weights: LoadedWeights): void {
  const report = compareStateDict(expectedParams(model, weights), weights.tensors)
  if (!isExactMatch(report)) {
    throw new CheckpointError(
      `${weights.path} does not fit the ${model.config.name} config:\n${formatStateDictReport(report)}`,
    )
  }
}

/** Reads every parameter the file holds into a tf.Variable (trainable or not), keyed by its PyTorch name. */
export async function loadWeightMap(model: FlowMo, weights: LoadedWeights, trainable = false): Promise<WeightMap> {
  checkStateDict(model, weights)
  if (trainable && weights.metadata[INFERENCE_ONLY_KEY] === 'true') {
    throw new CheckpointError(`${weights.path} is an inference-only state dict (parameters unused at inference left out); train from a full checkpoint`)
  }
  const map: WeightMap = new Map()
  for (const [name, shape] of expectedParams(model, weights)) {
    const data = await weights.tensors.get(name)!.read()
    map.set(name, tf.variable(tf.tensor(data, [...shape], 'float32'), trainable))
  }
  return map
}

export function disposeWeightMap(map: WeightMap): void {
  for (const v of map.values()) v.dispose()
  map.clear()
}
