// Runs an exported ONNX model with onnxruntime-node: float32 feeds in, float32 outputs out, on the selected device
// (ort-session.ts).
import * as ort from 'onnxruntime-node'
import type { OrtDevice } from './ort-device'
import { openOrtSession, type OrtSessionOptions } from './ort-session'

export interface FloatTensor {
  readonly data: Float32Array
  readonly shape: readonly number[]
}

export class OrtRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: OrtDevice, // the execution provider actually in use
  ) {}

  /** Loads from a path (needed when the model has external data, resolved beside it) or from bytes. */
  static async load(model: string | Uint8Array, options: OrtSessionOptions = {}): Promise<OrtRunner> {
    const { session, device } = await openOrtSession(model, options)
    return new OrtRunner(session, device)
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames
  }

  async run(feeds: Readonly<Record<string, FloatTensor>>): Promise<Record<string, FloatTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.shape)
    const results = await this.session.run(ortFeeds)
    const outputs: Record<string, FloatTensor> = {}
    for (const [name, t] of Object.entries(results)) {
      if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, expected float32`)
      outputs[name] = { data: t.data as Float32Array, shape: [...t.dims] }
    }
    return outputs
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
