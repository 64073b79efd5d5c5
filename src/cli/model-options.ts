// Options that name a model (--checkpoint, --config, --preset, --state-dict) and the inference path (--path), read
// in one place for every command that opens one, and opening it: export progress and the path used on stderr (the
// backend banner first when it is tfjs), every failure as one clear line. The device is the global --device.
import { existsSync } from 'node:fs'
import type { FastModel, PathChoice } from '../trainer/inference/fast-path'
import type { InferenceModel } from '../trainer/inference/inference-model'
import type { ModelSource, TfModel } from '../trainer/inference/tf-model'
import { requestedBackend, UsageError } from './args'
import { backendBanner } from './banner'

export const modelOptionSpecs = {
  checkpoint: { type: 'string' },
  config: { type: 'string' },
  preset: { type: 'string' },
  'state-dict': { type: 'string' },
} as const

/** --path, for the commands that let the user pick the inference path (each keeps its own help line for it). */
export const pathOptionSpecs = { path: { type: 'string' } } as const

export const modelUsage = [
  '  --checkpoint <f>   weights: our .safetensors, or an official FlowMo .pth (torch.save; read without Python)',
  '  --config <f>       model config (reference base.yaml/config.json layout, or explicit sizes); default: implied',
  '                     by the checkpoint (its metadata, else its tensor shapes with the reference image size 256)',
  '  --preset <name>    a named config instead: flowmo-lo | flowmo-hi | flowmo-small | tiny-64 | small-128',
  '  --state-dict <k>   ema (default, as the reference evaluates) or raw',
]

export function modelSourceFromArgs(v: { checkpoint?: string; config?: string; preset?: string; 'state-dict'?: string }): ModelSource {
  if (!v.checkpoint) throw new UsageError('--checkpoint is required')
  if (v.config && v.preset) throw new UsageError('give --config or --preset, not both')
  const sd = v['state-dict']
  if (sd !== undefined && sd !== 'ema' && sd !== 'raw') throw new UsageError(`--state-dict expects ema or raw, got '${sd}'`)
  if (!existsSync(v.checkpoint)) throw new Error(`checkpoint ${v.checkpoint} does not exist`)
  if (v.config && !existsSync(v.config)) throw new Error(`config ${v.config} does not exist`)
  return { checkpoint: v.checkpoint, config: v.config, preset: v.preset, stateDict: sd as 'ema' | 'raw' | undefined }
}

/** The model a command opens and the path it runs on: the parsed model options plus --path (default auto). */
export interface ModelChoice {
  readonly source: ModelSource
  readonly path: PathChoice
}

type ModelValues = Parameters<typeof modelSourceFromArgs>[0] & { path?: string }

/** Checks the model options and --path before any work: usage errors, then a checkpoint or config that does not exist. */
export function modelChoiceFromArgs(v: ModelValues): ModelChoice {
  const path = v.path ?? 'auto'
  if (path !== 'auto' && path !== 'onnxruntime' && path !== 'tfjs') throw new UsageError(`--path expects auto, onnxruntime or tfjs, got '${path}'`)
  return { source: modelSourceFromArgs(v), path }
}

/** Opens the model on onnxruntime (any size; exported into the cache first) or else tfjs, saying which on stderr. */
export async function openModelChoice({ source, path }: ModelChoice): Promise<FastModel> {
  const { openFastModel } = await import('../trainer/inference/fast-path')
  const fast = await openFastModel(source, { path, openTfjs: openTfjsForCli, onProgress: (m) => console.error(`export: ${m}`) })
  console.error(fast.notice)
  return fast
}

/** openModelChoice on the auto path, for callers that need only the model. */
export async function openInferenceModelForCli(source: ModelSource): Promise<InferenceModel> {
  return (await openModelChoice({ source, path: 'auto' })).model
}

/** How every command opens a model on tfjs: the --backend / FLOWMO_BACKEND backend, its banner on stderr. */
export const openTfjsForCli = (source: ModelSource): Promise<TfModel> => openModelForCli(source, requestedBackend())

/** Initialises the backend (printing its banner on stderr) and opens the model. */
export async function openModelForCli(src: ModelSource, backend: string | undefined): Promise<TfModel> {
  const { engineStatus } = await import('../trainer/engine-status')
  console.error(backendBanner(await engineStatus(backend)))
  const { TfModel } = await import('../trainer/inference/tf-model')
  return TfModel.open(src)
}


/** A flowmo:<checkpoint> method's file must exist before anything opens. */
export function checkMethodCheckpoints(specs: readonly { kind: string; checkpoint?: string }[]): void {
  const missing = specs.find((s) => s.kind === 'flowmo' && s.checkpoint !== undefined && !existsSync(s.checkpoint))
  if (missing) throw new Error(`checkpoint ${missing.checkpoint} does not exist`)
}
