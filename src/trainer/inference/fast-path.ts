// Picks the fastest correct inference path for inference-heavy jobs (reconstruct, eval, sweeps, variance maps):
// onnxruntime-node on the exported graphs when it loads and the export works, else tfjs; says which it used.
import type { InferenceModel } from './inference-model'
import { WontFitError } from './open-estimate'
import type { OrtOpenOptions } from './ort-model'
import type { ModelSource, TfModel } from './tf-model'

export type InferencePath = 'onnxruntime' | 'tfjs'
export type PathChoice = InferencePath | 'auto'
export const PATH_CHOICES: readonly PathChoice[] = ['auto', 'onnxruntime', 'tfjs']

export interface FastModel {
  readonly model: InferenceModel
  readonly path: InferencePath
  readonly notice: string // one line: the path in use and, on a fallback, why
}

export interface FastPathOptions extends OrtOpenOptions {
  readonly path?: PathChoice // default 'auto'
  /** Opens the tfjs model (the caller may print its backend banner first); default: initBackend() + TfModel.open. */
  readonly openTfjs?: (src: ModelSource) => Promise<TfModel>
}

export async function openFastModel(src: ModelSource, opts: FastPathOptions = {}): Promise<FastModel> {
  const choice = opts.path ?? 'auto'
  if (!PATH_CHOICES.includes(choice)) throw new Error(`inference path must be one of ${PATH_CHOICES.join(', ')}, got '${choice}'`)
  if (choice === 'tfjs') return openTfjs(src, opts, 'inference path: tfjs (requested)')
  try {
    const { OrtModel } = await import('./ort-model') // loads onnxruntime-node's native binding
    const model = await OrtModel.open(src, opts)
    const notice = `inference path: onnxruntime (${model.device}${opts.path === 'onnxruntime' ? ', requested' : ''}; export ${model.dir})`
    return { model, path: 'onnxruntime', notice }
  } catch (e) {
    opts.signal?.throwIfAborted() // cancelled: no fallback
    if (e instanceof WontFitError) throw e // tfjs would need more memory still
    if (choice === 'onnxruntime') throw new Error(`onnxruntime path failed: ${(e as Error).message}`)
    return openTfjs(src, opts, `inference path: tfjs (onnxruntime unavailable: ${firstLine(e)})`)
  }
}

async function openTfjs(src: ModelSource, opts: FastPathOptions, notice: string): Promise<FastModel> {
  const open = opts.openTfjs ?? (async (s: ModelSource) => {
    const [{ initBackend }, { TfModel }] = await Promise.all([import('../backend'), import('./tf-model')])
    await initBackend()
    return TfModel.open(s)
  })
  return { model: await open(src), path: 'tfjs', notice }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]
}
