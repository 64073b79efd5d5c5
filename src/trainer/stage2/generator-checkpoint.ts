// Stage-2 run folders: run.json (generator sizes, codes, tokenizer, options), checkpoints/step-NNNNNN.safetensors holding
// `model.*`, `ema.*` and AdamW's moments with the step in the metadata, and metrics.jsonl. Writes are atomic.
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { SafetensorsFile, writeSafetensors, type FloatTensorToWrite } from '../checkpoint/safetensors'
import type { Adam } from '../train/optim'
import type { MaskGitParams } from './maskgit'

export const GENERATOR_FORMAT = 'flowmo-studio-maskgit-1'

export interface GeneratorCheckpoint {
  readonly step: number
  readonly params: MaskGitParams
  readonly model: Map<string, Float32Array>
  readonly ema: Map<string, Float32Array>
  readonly file: SafetensorsFile | null // open for the optimiser restore; closed by the caller
}

export const checkpointName = (step: number) => `step-${String(step).padStart(6, '0')}.safetensors`

async function floats(map: ReadonlyMap<string, tf.Tensor>, prefix: string): Promise<FloatTensorToWrite[]> {
  const out: FloatTensorToWrite[] = []
  for (const [name, t] of map) out.push({ name: `${prefix}${name}`, shape: t.shape, dtype: 'F32', data: (await t.data()) as Float32Array }) // sync point
  return out
}

export async function saveGeneratorCheckpoint(dir: string, step: number, params: MaskGitParams, model: ReadonlyMap<string, tf.Tensor>, ema: ReadonlyMap<string, tf.Tensor>, adam: Adam | null, keepLast = 3): Promise<string> {
  const ckDir = join(dir, 'checkpoints')
  await mkdir(ckDir, { recursive: true })
  const snap = adam ? await adam.snapshot() : { tensors: [], metadata: {} }
  const path = join(ckDir, checkpointName(step))
  await writeSafetensors(path, [...(await floats(model, 'model.')), ...(await floats(ema, 'ema.')), ...snap.tensors], {
    format: GENERATOR_FORMAT, step: String(step), params: JSON.stringify(params), ...snap.metadata,
  })
  const all = await listCheckpoints(dir)
  for (const old of all.slice(0, Math.max(0, all.length - keepLast))) await rm(join(ckDir, checkpointName(old)), { force: true })
  return path
}

/** Steps of the complete checkpoints in a run folder, oldest first. */
export async function listCheckpoints(dir: string): Promise<number[]> {
  const names = await readdir(join(dir, 'checkpoints')).catch(() => [] as string[])
  return names.map((n) => /^step-(\d+)\.safetensors$/.exec(n)).filter((m) => m !== null).map((m) => Number(m![1])).sort((a, b) => a - b)
}

/** A checkpoint file (or the newest in a run folder); `keepOpen` leaves the file open for Adam's moments. */
export async function loadGeneratorCheckpoint(pathOrRun: string, keepOpen = false): Promise<GeneratorCheckpoint> {
  let path = pathOrRun
  if (!pathOrRun.endsWith('.safetensors')) {
    const steps = await listCheckpoints(pathOrRun)
    if (steps.length === 0) throw new Error(`${pathOrRun}: no generator checkpoint in checkpoints/`)
    path = join(pathOrRun, 'checkpoints', checkpointName(steps[steps.length - 1]))
  }
  const file = await SafetensorsFile.open(path)
  try {
    if (file.header.metadata.format !== GENERATOR_FORMAT) throw new Error(`${path}: not a Stage-2 generator checkpoint`)
    const model = new Map<string, Float32Array>()
    const ema = new Map<string, Float32Array>()
    for (const e of file.header.entries) {
      if (e.name.startsWith('model.')) model.set(e.name.slice(6), await file.readTensor(e.name))
      else if (e.name.startsWith('ema.')) ema.set(e.name.slice(4), await file.readTensor(e.name))
    }
    const params = JSON.parse(file.header.metadata.params) as MaskGitParams
    return { step: Number(file.header.metadata.step), params, model, ema, file: keepOpen ? file : null }
  } finally {
    if (!keepOpen) await file.close()
  }
}

/** Restores AdamW's moments from an open checkpoint file. */
export async function restoreAdam(adam: Adam, file: SafetensorsFile): Promise<void> {
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>()
  for (const e of file.header.entries) if (e.name.startsWith('exp_avg')) tensors.set(e.name, { shape: e.shape, data: await file.readTensor(e.name) })
  adam.restore(tensors, file.header.metadata)
}

