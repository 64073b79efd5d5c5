// The models the inspector has open, by id: a TfModel, its summary for the Open view, and the codes of the images
// it has encoded (encoding is deterministic, so each image is encoded once per model).
import { basename } from 'node:path'
import type { ModelSummary, OpenModelRequest } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import { TfModel } from '../inference/tf-model'
import { samplingRequest } from './sampling'

export interface OpenedModel {
  readonly summary: ModelSummary
  readonly model: TfModel
  readonly codes: Map<string, Float32Array> // imageId → ±1 code [L, C]
}

export class ModelRegistry {
  private readonly models = new Map<string, OpenedModel>()
  private nextId = 1

  /** Opens a checkpoint whose (real, allowed) paths the caller has checked. */
  async open(req: OpenModelRequest, backend: string): Promise<ModelSummary> {
    const model = await TfModel.open({ checkpoint: req.path, config: req.config, stateDict: req.stateDict })
    const summary = summarise(`model-${this.nextId++}`, model, backend)
    this.models.set(summary.modelId, { summary, model, codes: new Map() })
    return summary
  }

  get(modelId: string): OpenedModel {
    const opened = this.models.get(modelId)
    if (!opened) throw new RpcError(`no open model "${modelId}": open it first`, 'not-found')
    return opened
  }

  /** Frees the model's weights; false when no model had this id. */
  close(modelId: string): boolean {
    this.models.get(modelId)?.model.dispose()
    return this.models.delete(modelId)
  }
}

function summarise(modelId: string, model: TfModel, backend: string): ModelSummary {
  const { config: c, info } = model
  return {
    modelId,
    name: basename(info.checkpoint),
    path: info.checkpoint,
    format: info.format,
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
    backend,
    configSource: info.configSource,
    assumed: info.assumed,
    stateDict: info.stateDict,
    stateDicts: info.stateDicts,
    totalSteps: info.totalSteps,
    sampling: samplingRequest(c.sampling),
  }
}
