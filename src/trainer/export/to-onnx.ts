// The generic export entry: run a forward written against `Ops` on `TraceOps`, name its outputs, and
// write the ONNX file (external data for large weights). Used for the FlowMo encoder and decoder.
import { OnnxGraph } from './onnx-graph'
import { writeOnnxFile, type OnnxFileReport, type OnnxWriteControl, type OnnxWriteOptions } from './onnx-file'
import type { ModelDef } from './onnx-proto'
import { TraceOps, type Sym, type TraceOptions, type WeightSource } from './trace-ops'

export interface TraceInput {
  readonly name: string
  readonly shape: readonly number[] // dim 0 may be -1: dynamic batch
}

export interface TraceSpec extends TraceOptions {
  readonly inputs: readonly TraceInput[]
  readonly build: (o: TraceOps, ...inputs: Sym[]) => Sym | Sym[]
  readonly outputNames: readonly string[]
  readonly weights: WeightSource
  readonly graphName?: string // default "flowmo"
}

export interface ExportSpec extends TraceSpec, OnnxWriteOptions, OnnxWriteControl {
  readonly path: string // e.g. exports/lo/decoder.onnx; external data goes to decoder.onnx.data beside it
}

/** Traces `build` into an in-memory ONNX model (opset 17). */
export function traceModel(spec: TraceSpec): ModelDef {
  const graph = new OnnxGraph(spec.graphName ?? 'flowmo')
  const o = new TraceOps(graph, spec.weights, spec)
  const inputs = spec.inputs.map((i) => o.input(i.name, i.shape))
  const result = spec.build(o, ...inputs)
  const outputs = Array.isArray(result) ? result : [result]
  if (outputs.length !== spec.outputNames.length) {
    throw new Error(`build returned ${outputs.length} outputs, outputNames lists ${spec.outputNames.length}`)
  }
  outputs.forEach((out, i) => o.output(out, spec.outputNames[i]))
  return graph.toModel()
}

/**
 * Traces `build` and writes it to `spec.path`. `spec.signal` is checked before and after tracing (milliseconds even
 * for FlowMo-Hi, and synchronous) and before every write call, the long part; a cancelled write leaves no file.
 */
export async function traceToOnnx(spec: ExportSpec): Promise<OnnxFileReport> {
  spec.signal?.throwIfAborted()
  const model = traceModel(spec)
  spec.signal?.throwIfAborted()
  return writeOnnxFile(model, spec.path, spec)
}
