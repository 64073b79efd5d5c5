// Options that name a model (--checkpoint, --config, --preset, --state-dict) and opening it for a CLI command:
// backend banner first, then the checkpoint, with every failure as one clear line.
import { existsSync } from 'node:fs'
import type { PathChoice } from '../trainer/inference/fast-path'
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

/** Opens the model on onnxruntime (any size; exported into the cache first) or else tfjs, saying which on stderr. */
export async function openInferenceModelForCli(src: ModelSource, path: PathChoice = 'auto'): Promise<InferenceModel> {
  const { openFastModel } = await import('../trainer/inference/fast-path')
  const fast = await openFastModel(src, { path, openTfjs: (s) => openModelForCli(s, requestedBackend()), onProgress: (m) => console.error(`export: ${m}`) })
  console.error(fast.notice)
  return fast.model
}

/** Initialises the backend (printing its banner on stderr) and opens the model. */
export async function openModelForCli(src: ModelSource, backend: string | undefined): Promise<TfModel> {
  const { engineStatus } = await import('../trainer/service')
  console.error(backendBanner(await engineStatus(backend)))
  const { TfModel } = await import('../trainer/inference/tf-model')
  return TfModel.open(src)
}


/** A flowmo:<checkpoint> method's file must exist before anything opens. */
export function checkMethodCheckpoints(specs: readonly { kind: string; checkpoint?: string }[]): void {
  const missing = specs.find((s) => s.kind === 'flowmo' && s.checkpoint !== undefined && !existsSync(s.checkpoint))
  if (missing) throw new Error(`checkpoint ${missing.checkpoint} does not exist`)
}
