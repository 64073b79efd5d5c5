// The perceptual term as its own onnxruntime session, for Stage 1B's chain backward: (x, y) → λ·distance(x, y)
// and its cotangent ∂(λ·distance)/∂y [B, 3, S, S] (export/grad/perceptual-graph.ts `buildPerceptualGradGraph`).
import * as ort from 'onnxruntime-node'
import type { PerceptualLoss } from '../losses/perceptual'
import { buildPerceptualGradGraph, perceptualNetGraph } from '../export/grad/perceptual-graph'
import { encodeModel } from '../export/onnx-proto'
import type { OrtDevice } from '../export/ort-device'
import { openOrtSession, type OrtSessionOptions } from '../export/ort-session'
import { floatTensor } from '../export/ort-tensor'

export interface PerceptualGradOptions extends OrtSessionOptions {
  readonly batch: number // fixed: the graph has static shapes
  readonly imageSizePx: number // S
  readonly weight: number // λ (λ_sample 0.01 in Stage 1B)
}

export class PerceptualGradSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly shape: readonly number[], // [B, 3, S, S]
    readonly device: OrtDevice,
  ) {}

  /** Builds the graph of `loss`'s network (weights copied out of the loaded tfjs loss) and opens its session. */
  static async create(loss: PerceptualLoss, options: PerceptualGradOptions): Promise<PerceptualGradSession> {
    const { batch, imageSizePx: S, weight } = options
    const model = buildPerceptualGradGraph(perceptualNetGraph(loss), batch, S, weight)
    const { session, device } = await openOrtSession(Buffer.concat(encodeModel(model)), options)
    return new PerceptualGradSession(session, [batch, 3, S, S], device)
  }

  /** x (the reference image), y (the sample) [B, 3, S, S] in [−1, 1] → λ·distance and ∂(λ·distance)/∂y. */
  async run(x: Float32Array, y: Float32Array): Promise<{ loss: number; gradY: Float32Array }> {
    const n = this.shape.reduce((a, b) => a * b, 1)
    if (x.length !== n || y.length !== n) throw new Error(`the perceptual gradient graph is built for [${this.shape}] (${n} values); got x ${x.length}, y ${y.length}`)
    const dims = [...this.shape]
    const out = await this.session.run({ x: floatTensor(x, dims), y: floatTensor(y, dims) })
    return { loss: (out.loss!.data as Float32Array)[0]!, gradY: out.grad_y!.data as Float32Array }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
