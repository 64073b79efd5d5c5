// What a checkpoint holds and the model it implies, read from its header only (no tensor data is loaded, so a
// 7.6 GB official .pth is inspected in milliseconds): `flowmo info <checkpoint>` and the app's Open view.
import { compareStateDict, formatStateDictReport, isExactMatch, openWeights } from '../checkpoint/checkpoint'
import { loadConfigFile } from '../model/config-file'
import type { FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { codeSize } from '../model/quantizer'
import { impliedConfig } from './infer-config'
import { expectedParams, INFERENCE_ONLY_KEY } from '../model/weights'

export interface CheckpointInfo {
  path: string
  format: 'safetensors' | 'pth'
  stateDict: string | null // the one a model would load (EMA by default)
  stateDicts: string[]
  totalSteps: number | null
  tensors: number
  parameters: number // the model's, as the app and the training presets count them
  storedParameters: number // in the chosen state dict: fewer when the file is inference-only
  inferenceOnly: boolean // the file leaves out the parameters inference never reads (metadata inference_only)
  config: FlowMoConfig
  configSource: string
  assumed: string[]
  bitsPerPixel: number | null // null: a continuous latent
  fits: boolean // every name and shape matches the config
  report: string // load_state_dict-style summary
}

export async function checkpointInfo(path: string, configPath?: string): Promise<CheckpointInfo> {
  const w = await openWeights(path)
  try {
    const implied = configPath ? null : impliedConfig(w)
    const config = configPath ? await loadConfigFile(configPath) : implied!.config
    const model = new FlowMo(config)
    const report = compareStateDict(expectedParams(model, w), w.tensors)
    const count = (shapes: (readonly number[])[]) => shapes.reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0)
    const parameters = count(model.parameters().map((p) => p.shape))
    const storedParameters = count([...w.tensors.values()].map((t) => t.shape))
    return {
      path, format: w.format, stateDict: w.stateDictKey, stateDicts: w.available, totalSteps: w.totalSteps,
      tensors: w.tensors.size, parameters, storedParameters, inferenceOnly: w.metadata[INFERENCE_ONLY_KEY] === 'true', config, configSource: configPath ? `file ${configPath}` : `checkpoint ${implied!.source}`,
      assumed: implied?.assumed ?? [], bitsPerPixel: codeSize(config).bitsPerPixel,
      fits: isExactMatch(report), report: formatStateDictReport(report),
    }
  } finally {
    await w.close()
  }
}

export function formatCheckpointInfo(i: CheckpointInfo): string {
  const c = i.config
  const stack = (s: FlowMoConfig['encoder']) =>
    `hidden ${s.hiddenSize}, ${s.numHeads} heads × ${s.hiddenSize / s.numHeads}, depth ${s.depth}, RoPE axes [${s.axesDim}], attention scale ${s.attentionScale.toPrecision(4)}`
  const rows: [string, string][] = [
    ['checkpoint', `${i.path} (${i.format})`],
    ['state dicts', i.stateDicts.length ? `${i.stateDicts.join(', ')}; using ${i.stateDict}` : 'one plain state dict'],
    ['steps', i.totalSteps === null ? 'unknown' : String(i.totalSteps)],
    ['parameters', parameterLine(i)],
    ['tensors', `${i.tensors}, ${i.storedParameters.toLocaleString('en-US')} parameters stored`],
    ['config', `${c.name} (from ${i.configSource})`],
    ['image', `${c.imageSize}×${c.imageSize}, patch ${c.patchSize}`],
    ['code', c.quantizer.kind === 'lfq' ? `${codeSize(c).label}, entropy group ${c.codebookSizeForEntropy}` : codeSize(c).label],
    ['encoder', stack(c.encoder)],
    ['decoder', stack(c.decoder)],
    ['sampler', `${c.sampling.steps} steps, ${c.sampling.schedule}, cfg ${c.sampling.cfg} in σ ${c.sampling.cfgInterval ?? 'everywhere'}`],
    ['keys', i.report],
  ]
  const lines = rows.map(([k, v]) => `${k.padEnd(12)} ${v.split('\n').join('\n' + ' '.repeat(13))}`)
  return [...lines, ...i.assumed.map((a) => `assumed      ${a}`)].join('\n')
}

/** The model's parameter count (the app shows the same), and what the file holds when that differs. */
function parameterLine(i: CheckpointInfo): string {
  const n = (v: number) => v.toLocaleString('en-US')
  if (i.storedParameters === i.parameters) return n(i.parameters)
  const why = i.inferenceOnly ? 'inference-only: the parameters the decode never reads are left out' : 'see keys'
  return `${n(i.parameters)} in the model; the file holds ${n(i.storedParameters)} (${why})`
}
