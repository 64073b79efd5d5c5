// Reads a pretrained network's state dict from a torch .pth (zip or legacy format) or safetensors file into tfjs
// tensors, after checking names and shapes against the network's declared parameters (load_state_dict(strict=True)).
import * as tf from '@tensorflow/tfjs-core'
import { CheckpointError, compareStateDict, formatStateDictReport, isExactMatch, openWeights } from '../checkpoint/checkpoint'
import type { ParamRef } from '../model/ops'
import { openLegacyTorchSave } from './legacy-torch-save'
import { checkNameHash, fileSha256 } from './weight-files'

export interface NetFileInfo {
  readonly path: string
  readonly sha256: string // recorded on protocol cards
}

export interface ReadStateDictOptions {
  /** Keys the file may hold that the network does not use (classifier heads, BN's num_batches_tracked). */
  unused?: (name: string) => boolean
  /** Compare the file's SHA-256 with the hash in its name (default true; off for home-made test files). */
  verifyHash?: boolean
}

/** BatchNorm's step counter: stored by torch ≥ 0.4.1, never needed in eval mode. */
export const isBatchCounter = (name: string): boolean => name.endsWith('.num_batches_tracked')

/** Every declared parameter of `refs` read from `path` into a float32 tensor, keyed by state-dict name. */
export async function readStateDict(
  refs: readonly ParamRef[],
  path: string,
  opts: ReadStateDictOptions = {},
): Promise<{ tensors: Map<string, tf.Tensor>; info: NetFileInfo }> {
  const sha256 = await fileSha256(path)
  if (opts.verifyHash ?? true) checkNameHash(path, sha256)
  const file = await openStateDict(path)
  try {
    const unused = opts.unused ?? (() => false)
    const present = new Map([...file.tensors].filter(([name]) => !isBatchCounter(name) && !unused(name)))
    const report = compareStateDict(refs.map((r) => [r.name, r.shape] as const), present)
    if (!isExactMatch(report)) {
      throw new CheckpointError(`${path} is not the expected network file:\n${formatStateDictReport(report)}`)
    }
    const tensors = new Map<string, tf.Tensor>()
    for (const ref of refs) tensors.set(ref.name, tf.tensor(await file.tensors.get(ref.name)!.read(), [...ref.shape], 'float32'))
    return { tensors, info: { path, sha256 } }
  } finally {
    await file.close()
  }
}

/** A state dict's tensors by name; published files from before torch 1.6 are in the legacy format. */
async function openStateDict(path: string): Promise<{ tensors: Map<string, { shape: readonly number[]; read(): Promise<Float32Array> }>; close(): Promise<void> }> {
  try {
    return await openWeights(path)
  } catch (err) {
    if (err instanceof CheckpointError && /legacy torch\.save format/.test(err.message)) return openLegacyTorchSave(path)
    throw err
  }
}
