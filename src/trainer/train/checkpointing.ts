// Training checkpoints: `step-N.safetensors` holds the raw weights (`model.`), the EMA (`ema.`) and the run state in
// its metadata (total_steps, stage, config JSON in explicit sizes, loader state, seed, elapsed_s); `step-N.optim.safetensors`
// holds the Adam moments. The optimiser file is written first, so a complete model file implies both exist.
import * as tf from '@tensorflow/tfjs-core'
import { stateDictPrefixes, totalStepsKey } from '../checkpoint/checkpoint'
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../checkpoint/safetensors'
import { explicitSizes, type FlowMoConfig } from '../model/configs'
import type { LoaderState } from '../data/loader'
import type { Adam } from './optim'

export { explicitSizes }
import type { CheckpointFiles } from './run-dir'

export const CHECKPOINT_FORMAT = 'flowmo-studio-train-1'

/** What a resume needs besides the tensors. */
export interface RunState {
  step: number
  stage: '1a' | '1b'
  seed: number // step draws are keyed by (seed, step, chunk); data order and crops by (seed, item)
  loader: LoaderState | null
  elapsedS?: number // training wall time up to this step over every segment of the run (absent in older checkpoints)
}

export interface SavedCheckpoint extends RunState {
  config: FlowMoConfig
  raw: Map<string, Float32Array>
  ema: Map<string, Float32Array>
  optim: { tensors: Map<string, { shape: readonly number[]; data: Float32Array }>; metadata: Record<string, string> }
}

export async function saveCheckpoint(
  files: CheckpointFiles, state: RunState, config: FlowMoConfig,
  weights: ReadonlyMap<string, tf.Tensor>, ema: ReadonlyMap<string, tf.Tensor>, adam: Adam,
): Promise<void> {
  const optim = await adam.snapshot()
  await writeSafetensors(files.optim, optim.tensors, { ...optim.metadata, [totalStepsKey]: String(state.step), format: CHECKPOINT_FORMAT })
  const tensors: TensorToWrite[] = [
    ...(await tensorsOf(weights, stateDictPrefixes.raw)),
    ...(await tensorsOf(ema, stateDictPrefixes.ema)),
  ]
  await writeSafetensors(files.model, tensors, {
    format: CHECKPOINT_FORMAT,
    [totalStepsKey]: String(state.step),
    stage: state.stage,
    seed: String(state.seed),
    config: JSON.stringify(explicitSizes(config)),
    loader: JSON.stringify(state.loader),
    elapsed_s: String(state.elapsedS ?? 0),
    rng: JSON.stringify({ steps: 'xoshiro128** keyed (seed, 11, step, chunk)', data: 'xoshiro128** keyed (seed, stream, item)' }),
  })
}

async function tensorsOf(map: ReadonlyMap<string, tf.Tensor>, prefix: string): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = []
  for (const [name, t] of map) out.push({ name: `${prefix}${name}`, shape: t.shape, dtype: 'F32', data: (await t.data()) as Float32Array })
  return out
}

export async function loadCheckpoint(files: CheckpointFiles): Promise<SavedCheckpoint> {
  const { configFromDocument } = await import('../model/config-file')
  const model = await readAll(files.model)
  const optim = await readAll(files.optim)
  const meta = model.metadata
  const pick = (prefix: string) =>
    new Map([...model.tensors].filter(([n]) => n.startsWith(prefix)).map(([n, t]) => [n.slice(prefix.length), t.data]))
  return {
    step: Number(meta[totalStepsKey]),
    stage: meta.stage === '1b' ? '1b' : '1a',
    seed: Number(meta.seed),
    loader: metadataJson(meta.loader ?? 'null', files.model, 'loader') as LoaderState | null,
    ...(meta.elapsed_s !== undefined && { elapsedS: Number(meta.elapsed_s) }),
    config: configFromDocument(metadataJson(meta.config, files.model, 'config') as Record<string, unknown>, `${files.model} metadata`),
    raw: pick(stateDictPrefixes.raw),
    ema: pick(stateDictPrefixes.ema),
    optim,
  }
}

/** A JSON field of a checkpoint's metadata; a missing or damaged one names the file and the field. */
function metadataJson(text: string | undefined, path: string, field: string): unknown {
  try {
    return JSON.parse(text ?? '')
  } catch (e) {
    throw new Error(`${path}: metadata '${field}' is ${text === undefined ? 'missing' : `not valid JSON (${(e as Error).message})`}`)
  }
}

async function readAll(path: string) {
  const f = await SafetensorsFile.open(path)
  try {
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>()
    for (const e of f.header.entries) tensors.set(e.name, { shape: e.shape, data: await f.readTensor(e.name) })
    return { tensors, metadata: f.header.metadata }
  } finally {
    await f.close()
  }
}
