// Exports a FlowMo checkpoint as encoder.onnx (x → code_pre) and decoder.onnx (x_t, code_in, t → v) traced
// from the one model definition (model/flowmo.ts on TraceOps), plus flowmo.json (manifest.ts).
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { version } from '../../../package.json'
import { writeFileAtomic } from '../atomic-file'
import { expectedParams } from '../model/weights'
import { CheckpointError, compareStateDict, formatStateDictReport, isExactMatch, openWeights, type LoadedWeights } from '../checkpoint/checkpoint'
import type { ModelSource } from '../inference/tf-model'
import { impliedConfig } from '../inference/infer-config'
import { hashFile } from '../metrics/protocol'
import { loadConfigFile } from '../model/config-file'
import { preset, type FlowMoConfig } from '../model/configs'
import { FlowMo } from '../model/flowmo'
import { codeSize } from '../model/quantizer'
import { numel } from '../model/params'
import type { OnnxWriteOptions } from './onnx-file'
import { explicitSizes, MANIFEST_FILE, MANIFEST_FORMAT, type FlowMoManifest, type GraphEntry } from './manifest'
import { traceToOnnx, type TraceInput } from './to-onnx'
import type { Sym, TraceOps } from './trace-ops'

export const EXPORT_OPSET = 17
const PROGRESS_MIB = 256 // a progress line per this much written (FlowMo-Hi's decoder is about 2.9 GiB)

/** What an export is doing, in order: 'hash' only when the checkpoint's hash is not known yet. */
export type ExportStage = 'hash' | 'encoder' | 'decoder' | 'manifest'

export interface FlowMoExportOptions extends OnnxWriteOptions {
  readonly fusedAttention?: boolean // default true: com.microsoft MultiHeadAttention
  readonly sha256?: string // the checkpoint's hash when already known (else it is computed)
  readonly onProgress?: (message: string, stage: ExportStage) => void
  readonly signal?: AbortSignal // checked between tensors read and written; the caller removes the graphs already written
}

/** A checkpoint opened with the config it is exported under (as TfModel.open resolves it). */
interface Resolved {
  readonly weights: LoadedWeights
  readonly config: FlowMoConfig
  readonly configSource: string
  readonly assumed: readonly string[]
}

export async function resolveSource(src: ModelSource): Promise<Resolved> {
  const weights = await openWeights(src.checkpoint, src.stateDict ? { stateDict: src.stateDict } : {})
  try {
    if (src.config) return { weights, config: await loadConfigFile(src.config), configSource: `file ${src.config}`, assumed: [] }
    if (src.preset) return { weights, config: preset(src.preset), configSource: `preset ${src.preset}`, assumed: [] }
    const implied = impliedConfig(weights)
    return { weights, config: implied.config, configSource: `checkpoint ${implied.source}`, assumed: implied.assumed }
  } catch (e) {
    await weights.close()
    throw e
  }
}

/** Writes encoder.onnx, decoder.onnx (+ .data files for big models) and flowmo.json into `outDir`. */
export async function exportFlowMo(src: ModelSource, outDir: string, opts: FlowMoExportOptions = {}): Promise<FlowMoManifest> {
  const say = opts.onProgress ?? (() => {})
  if (!opts.sha256) say(`hashing ${src.checkpoint}`, 'hash')
  const sha256 = opts.sha256 ?? (await hashFile(src.checkpoint))
  opts.signal?.throwIfAborted()
  const r = await resolveSource(src)
  try {
    const model = new FlowMo(r.config)
    const report = compareStateDict(expectedParams(model, r.weights), r.weights.tensors)
    if (!isExactMatch(report)) throw new CheckpointError(`${src.checkpoint} does not fit the ${r.config.name} config:\n${formatStateDictReport(report)}`)
    await mkdir(outDir, { recursive: true })
    await rm(join(outDir, MANIFEST_FILE), { force: true }) // an earlier export here stops being one until this one is whole
    const encoder = await exportGraph(model, r.weights, outDir, 'encoder', opts)
    const decoder = await exportGraph(model, r.weights, outDir, 'decoder', opts)
    opts.signal?.throwIfAborted()
    const c = r.config
    const manifest: FlowMoManifest = {
      format: MANIFEST_FORMAT, config: explicitSizes(c), sampling: { ...c.sampling },
      bitsPerPixel: codeSize(c).bitsPerPixel,
      parameters: model.parameters().reduce((n, p) => n + numel(p.shape), 0),
      opset: EXPORT_OPSET, domainOpsets: opts.fusedAttention === false ? {} : { 'com.microsoft': 1 }, fusedAttention: opts.fusedAttention !== false,
      checkpoint: {
        path: src.checkpoint, sha256, bytes: (await stat(src.checkpoint)).size, format: r.weights.format,
        stateDict: r.weights.stateDictKey, stateDicts: r.weights.available, totalSteps: r.weights.totalSteps,
      },
      configSource: r.configSource, assumed: r.assumed, tool: { name: 'flowmo-studio', version }, createdAt: new Date().toISOString(),
      encoder, decoder,
    }
    await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    say(`wrote ${join(outDir, MANIFEST_FILE)}`, 'manifest')
    return manifest
  } finally {
    await r.weights.close()
  }
}

export interface GraphSpec {
  readonly inputs: TraceInput[]
  readonly outputs: Record<string, number[]>
  readonly build: (o: TraceOps, ...xs: Sym[]) => Sym
}

/** The graph inputs and forward of each part; dim 0 (-1) is the dynamic batch. */
export function graphSpec(model: FlowMo, part: 'encoder' | 'decoder'): GraphSpec {
  const { imageSize: S, codeLength: L, contextDim: C } = model.config
  if (part === 'encoder') {
    return {
      inputs: [{ name: 'x', shape: [-1, 3, S, S] }],
      outputs: { code_pre: [-1, L, C] },
      build: (o: TraceOps, x: Sym) => model.encode(o, x),
    }
  }
  return {
    inputs: [{ name: 'x_t', shape: [-1, 3, S, S] }, { name: 'code_in', shape: [-1, L, C + 1] }, { name: 't', shape: [-1] }],
    outputs: { v: [-1, 3, S, S] },
    build: (o: TraceOps, xt: Sym, codeIn: Sym, t: Sym) => model.decode(o, xt, codeIn, t),
  }
}

/** Reads one part's weights (only those), traces it and writes `<part>.onnx`. */
async function exportGraph(model: FlowMo, w: LoadedWeights, outDir: string, part: 'encoder' | 'decoder', opts: FlowMoExportOptions): Promise<GraphEntry> {
  const say = opts.onProgress ?? (() => {})
  const refs = expectedParams(model, w).filter(([name]) => name.startsWith(`${part}.`))
  const data = new Map<string, Float32Array>()
  say(`${part}: reading ${refs.length} tensors`, part)
  for (const [i, [name]] of refs.entries()) {
    opts.signal?.throwIfAborted()
    data.set(name, await w.tensors.get(name)!.read())
    if ((i + 1) % 32 === 0 || i + 1 === refs.length) say(`${part}: read ${i + 1}/${refs.length} tensors`, part)
  }
  const spec = graphSpec(model, part)
  say(`${part}: tracing and writing ${part}.onnx`, part)
  let reported = 0
  const written = await traceToOnnx({
    inputs: spec.inputs,
    build: spec.build,
    outputNames: Object.keys(spec.outputs),
    weights: (ref) => data.get(ref.name)!,
    path: join(outDir, `${part}.onnx`),
    graphName: `flowmo_${part}`,
    fusedAttention: opts.fusedAttention,
    externalDataThresholdBytes: opts.externalDataThresholdBytes,
    signal: opts.signal,
    onWrite: (bytes) => {
      const mib = Math.floor(bytes / 2 ** 20)
      if (mib >= reported + PROGRESS_MIB) say(`${part}: written ${(reported = mib - (mib % PROGRESS_MIB))} MiB`, part)
    },
  })
  say(`${part}: ${((written.modelBytes + written.dataBytes) / 2 ** 20).toFixed(1)} MiB${written.dataPath ? ' (weights in external data)' : ''}`, part)
  return {
    file: `${part}.onnx`,
    dataFile: written.dataPath ? `${part}.onnx.data` : null,
    bytes: written.modelBytes + written.dataBytes,
    inputs: Object.fromEntries(spec.inputs.map((i) => [i.name, i.shape])),
    outputs: spec.outputs,
  }
}
