// The FlowMo encoder and decoder graphs with the weights as inputs (trace-ops.ts `paramInputs`), traced once in memory
// and fed the current weights before each use: a training run's validation on onnxruntime, with nothing exported to
// disk. They are the export's graphs (flowmo-export.ts `graphSpec`) on the same device rules, so an OrtModel over them
// gives `flowmo eval --path onnxruntime`'s results on the same weights.
import { encodeModel } from '../export/onnx-proto'
import { graphSpec } from '../export/flowmo-export'
import { fusedAttentionOn, resolveDevice } from '../export/ort-device'
import { OrtRunner, type FloatTensor } from '../export/ort-runner'
import type { OrtSessionOptions } from '../export/ort-session'
import { traceModel } from '../export/to-onnx'
import { transpose2d, transposedName } from '../export/transposed-weight'
import type { FlowMo } from '../model/flowmo'
import type { WeightMap } from '../model/weights'
import { OrtModel } from './ort-model'
import type { ModelInfo } from './tf-model'

/** A graph input holding a parameter: its key, and whether it holds the 2-D weight transposed. */
interface ParamInput {
  readonly input: string
  readonly key: string
  readonly transposed: boolean
}

/** One part's session; `feed` sets the weights every later run adds to its feeds. */
class WeightFedRunner {
  private weights: Record<string, FloatTensor> | null = null

  constructor(private readonly runner: OrtRunner, private readonly params: readonly ParamInput[]) {}

  get device() {
    return this.runner.device
  }

  feed(weights: ReadonlyMap<string, { data: Float32Array; shape: readonly number[] }>): void {
    this.weights = {}
    for (const { input, key, transposed } of this.params) {
      const { data, shape } = weights.get(key)!
      this.weights[input] = transposed ? { data: transpose2d(data, shape[0], shape[1]), shape: [shape[1], shape[0]] } : { data, shape }
    }
  }

  run(feeds: Readonly<Record<string, FloatTensor>>): Promise<Record<string, FloatTensor>> {
    if (!this.weights) throw new Error('weight-fed graph run before any weights were fed')
    return this.runner.run({ ...this.weights, ...feeds })
  }

  release(): Promise<void> {
    return this.runner.release()
  }
}

export class WeightFedModel {
  private constructor(
    readonly model: OrtModel, // the inference interface over the two sessions below
    private readonly parts: readonly WeightFedRunner[],
  ) {}

  /** Traces both parts of `flowmo` with parameter inputs and opens them on the selected device (`opts.device`). */
  static async open(flowmo: FlowMo, info: ModelInfo, opts: OrtSessionOptions = {}): Promise<WeightFedModel> {
    const device = await resolveDevice(opts.device)
    const keys = new Map(flowmo.parameters().flatMap((p) => [[p.name, p.name], [transposedName(p.name), p.name]]))
    const open = async (part: 'encoder' | 'decoder') => {
      const spec = graphSpec(flowmo, part)
      const def = traceModel({
        ...spec, outputNames: Object.keys(spec.outputs), weights: () => new Float32Array(0), graphName: `flowmo_${part}_fed`,
        fusedAttention: fusedAttentionOn(device), paramInputs: true,
      })
      const params = def.graph.inputs.filter((i) => keys.has(i.name)).map((i) => ({ input: i.name, key: keys.get(i.name)!, transposed: i.name !== keys.get(i.name) }))
      return new WeightFedRunner(await OrtRunner.load(Buffer.concat(encodeModel(def)), { ...opts, device }), params)
    }
    const encoder = await open('encoder')
    const decoder = await open('decoder')
    return new WeightFedModel(OrtModel.over(flowmo.config, info, encoder, decoder), [encoder, decoder])
  }

  get device() {
    return this.model.device
  }

  /** Feeds the current values of `weights` (the run's raw or EMA tf variables) to both graphs. */
  async feed(weights: WeightMap): Promise<void> {
    const plain = new Map<string, { data: Float32Array; shape: readonly number[] }>()
    for (const [key, v] of weights) plain.set(key, { data: (await v.data()) as Float32Array, shape: v.shape }) // sync point
    for (const part of this.parts) part.feed(plain)
  }

  async release(): Promise<void> {
    await this.model.dispose()
  }
}
