// The models the inspector has open, by id: the model on its fastest correct path (fast-path.ts: onnxruntime on an
// export when it works, else tfjs; an exported ONNX folder opens on onnxruntime), its summary for the Open view, and
// the codes of the images it has encoded (encoding is deterministic, so each image is encoded once per model).
// A checkpoint's first open on onnxruntime exports it (export-cache.ts), reporting each step as job progress.
import { existsSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { ModelSummary, OpenModelRequest } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import type { ExportStage } from '../export/flowmo-export'
import { formatEstimate } from '../inference/open-estimate'
import { openFastModel, type PathChoice } from '../inference/fast-path'
import type { OrtModel } from '../inference/ort-model'
import { TfModel } from '../inference/tf-model'
import type { JobHooks } from './context'
import { samplingRequest } from './sampling'
import { codeSize } from '../model/quantizer'

/** The model on the path it runs on: sample-codes.ts drives each one its own way. */
export type PathModel = ({ readonly path: 'tfjs'; readonly model: TfModel } | { readonly path: 'onnxruntime'; readonly model: OrtModel }) & {
  readonly notice: string // fast-path.ts's line: the path in use and, on a fallback, why
}

export type OpenedModel = PathModel & {
  readonly summary: ModelSummary
  readonly codes: Map<string, Float32Array> // imageId → ±1 code [L, C]
}

export interface ModelRegistryOptions {
  readonly path?: PathChoice // checkpoints: default 'auto' (exported ONNX folders always run on onnxruntime)
  readonly cacheDir?: string // where checkpoints are exported for onnxruntime (default: export-cache.ts)
}

/** The variable that picks the inspector's inference path for checkpoints: auto (default), onnxruntime or tfjs. */
export const inferencePathVariable = 'FLOWMO_INFERENCE_PATH'

/** An exported ONNX folder (as `flowmo export` writes it): a folder holding flowmo.json. */
export function isExportFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'flowmo.json'))
}

/** A first open's steps by export stage (a cache hit reports none): hashing, the two graphs, loading them. */
const OPEN_STEPS: Record<ExportStage, readonly [step: number, title: string]> = {
  hash: [1, 'hashing the checkpoint'],
  encoder: [2, 'exporting the encoder to ONNX'],
  decoder: [3, 'exporting the decoder to ONNX'],
  manifest: [4, 'loading the exported model'],
}
const OPEN_STEP_COUNT = 4

/** Export messages as job progress: done = steps finished, e.g. "exporting the encoder to ONNX… 2/4 (read 32/96 tensors)". */
function openProgress(job: JobHooks): (message: string, stage: ExportStage) => void {
  return (message, stage) => {
    const [step, title] = OPEN_STEPS[stage]
    const detail = stage === 'encoder' || stage === 'decoder' ? ` (${message.slice(stage.length + 2)})` : '' // drops "encoder: "
    job.progress(step - 1, OPEN_STEP_COUNT, `${title}… ${step}/${OPEN_STEP_COUNT}${detail}`)
  }
}

export class ModelRegistry {
  private readonly models = new Map<string, OpenedModel>()
  private nextId = 1

  constructor(private readonly options: ModelRegistryOptions = {}) {}

  /** Opens a checkpoint or an export folder whose (real, allowed) paths the caller has checked; `job` sees a first export. */
  async open(req: OpenModelRequest, backend: string, job?: JobHooks): Promise<ModelSummary> {
    const loaded = await this.load(req, job)
    if (job?.signal.aborted) await loaded.model.dispose() // cancelled while the sessions loaded
    job?.signal.throwIfAborted()
    const summary = summarise(`model-${this.nextId++}`, loaded, req.path, backend)
    this.models.set(summary.modelId, { ...loaded, summary, codes: new Map() })
    return summary
  }

  get(modelId: string): OpenedModel {
    const opened = this.models.get(modelId)
    if (!opened) throw new RpcError(`no open model "${modelId}": open it first`, 'not-found')
    return opened
  }

  /** Frees the model's weights or sessions; false when no model had this id. */
  close(modelId: string): boolean {
    void this.models.get(modelId)?.model.dispose()
    return this.models.delete(modelId)
  }

  private async load(req: OpenModelRequest, job?: JobHooks): Promise<PathModel> {
    if (isExportFolder(req.path)) {
      if (req.config !== undefined) throw new RpcError('an exported ONNX folder carries its own config (flowmo.json); open it without one', 'invalid-request')
      const { OrtModel } = await import('../inference/ort-model') // loads onnxruntime-node's native binding
      const model = await OrtModel.load(req.path)
      return { path: 'onnxruntime', model, notice: `inference path: onnxruntime (${model.device}; export folder)` }
    }
    const src = { checkpoint: req.path, config: req.config, stateDict: req.stateDict }
    const fast = await openFastModel(src, {
      path: this.options.path, cacheDir: this.options.cacheDir, openTfjs: (s) => TfModel.open(s),
      onProgress: job && openProgress(job), signal: job?.signal,
    })
    const estimate = fast.path === 'onnxruntime' && (fast.model as OrtModel).estimate
    const notice = estimate ? `${fast.notice}; ${formatEstimate(estimate)}` : fast.notice
    return fast.path === 'onnxruntime' ? { path: 'onnxruntime', model: fast.model as OrtModel, notice } : { path: 'tfjs', model: fast.model as TfModel, notice }
  }
}

function summarise(modelId: string, loaded: PathModel, opened: string, backend: string): ModelSummary {
  const { config: c, info } = loaded.model
  const folder = loaded.path === 'onnxruntime' && isExportFolder(opened)
  return {
    modelId,
    name: basename(opened),
    path: opened,
    format: folder ? 'onnx' : info.format,
    inferencePath: loaded.path,
    inferenceNotice: loaded.notice,
    imageSize: c.imageSize,
    patchSize: c.patchSize,
    codeLength: c.codeLength,
    contextDim: c.contextDim,
    codebookSizeForEntropy: c.codebookSizeForEntropy,
    encoderDepth: c.encoder.depth,
    decoderDepth: c.decoder.depth,
    hiddenSize: c.decoder.hiddenSize,
    parameters: info.parameters,
    bitsPerPixel: info.bitsPerPixel,
    quantizer: c.quantizer.kind,
    codeLabel: codeSize(c).label,
    backend, // the engine's tfjs backend; inferencePath says what decodes run on
    configSource: info.configSource,
    assumed: info.assumed,
    stateDict: info.stateDict,
    stateDicts: info.stateDicts,
    totalSteps: info.totalSteps,
    sampling: samplingRequest(c.sampling),
  }
}
