// The Stage-1B sampling chain on onnxruntime-node, differentiated with segment recomputation (as
// train/checkpointed-decoder.ts does on tfjs): the forward keeps only the k+1 states z_j [B,3,S,S]; the backward
// runs one vector-Jacobian session per call, j = k−1 … 0, recomputing that call's activations, so memory does not
// grow with k. The graphs are export/grad/chain-graph.ts; parameters are the step graph's flat [P] vector.
import * as ort from 'onnxruntime-node'
import type { FlowMoConfig } from '../model/configs'
import { encodeModel } from '../export/onnx-proto'
import { openOrtSession, type OrtSessionOptions } from '../export/ort-session'
import { floatTensor } from '../export/ort-tensor'
import { buildEncodeGraph, buildVelocityGraph } from '../export/grad/chain-graph'
import type { FlatLayout } from '../export/grad/flat-state'
import { chainGrid, type ChainGrid } from '../sample/chain'
import type { ChainDraw } from './step-random'

/**
 * The sample's loss term and its cotangent: loss = λ·d(x, y), gradY = ∂loss/∂y [B,3,S,S] (batch mean, as the tfjs
 * term); train/perceptual-grad-session.ts in training runs.
 */
export interface SampleGradient {
  run(x: Float32Array, y: Float32Array): Promise<{ loss: number; gradY: Float32Array }>
  release(): Promise<void>
}

export interface OrtChainOptions extends OrtSessionOptions {
  readonly batch: number
  readonly chainSteps: number // k
}

export class OrtChain {
  private constructor(
    private readonly sessions: Record<'encode' | 'velocity' | 'vjp', ort.InferenceSession>,
    private readonly frozen: ort.Tensor, // the encoder's parameters [F]
    private readonly config: FlowMoConfig,
    private readonly batch: number,
    readonly steps: number, // k
  ) {}

  /** Opens the three sessions; `layout` is the step graph's (decoder) layout, `weights` supplies the frozen encoder. */
  static async create(config: FlowMoConfig, layout: FlatLayout, weights: ReadonlyMap<string, Float32Array>, options: OrtChainOptions): Promise<OrtChain> {
    const encode = buildEncodeGraph(config, options.batch)
    const open = async (model: Parameters<typeof encodeModel>[0]) => (await openOrtSession(Buffer.concat(encodeModel(model)), options)).session
    const sessions = {
      encode: await open(encode.model),
      velocity: await open(buildVelocityGraph(config, layout, options.batch, false)),
      vjp: await open(buildVelocityGraph(config, layout, options.batch, true)),
    }
    const frozen = floatTensor(encode.layout.pack((n) => weights.get(n)), [encode.layout.size])
    return new OrtChain(sessions, frozen, config, options.batch, options.chainSteps)
  }

  /** The frozen encoder's code_pre [B,L,C] (the step graph's input) and the chain's code_in [B,L,C+1]. */
  async encode(x: Float32Array): Promise<{ codePre: ort.Tensor; codeIn: ort.Tensor }> {
    const out = await this.sessions.encode.run({ x: floatTensor(x, this.image), frozen: this.frozen })
    return { codePre: out.code_pre, codeIn: out.code_in }
  }

  /** The states z_0 … z_k of z ← z − dt_j·v(z, t_j) (z_k is the sample). */
  async forward(params: ort.Tensor, codeIn: ort.Tensor, z0: Float32Array, grid: ChainGrid): Promise<ort.Tensor[]> {
    const states = [floatTensor(z0, this.image)]
    for (let j = 0; j < this.steps; j++) {
      const out = await this.sessions.velocity.run({ z: states[j], ...this.at(grid, j), code_in: codeIn, params })
      states.push(out.z_next)
    }
    return states
  }

  /** gradIn + ∂⟨z_k, gK⟩/∂θ, walking the calls in reverse with one recomputing session run each. */
  async backward(params: ort.Tensor, codeIn: ort.Tensor, states: readonly ort.Tensor[], grid: ChainGrid, gK: Float32Array, gradIn: ort.Tensor): Promise<ort.Tensor> {
    let g = floatTensor(gK, this.image)
    let grad = gradIn
    for (let j = this.steps - 1; j >= 0; j--) {
      const out = await this.sessions.vjp.run({ z: states[j], ...this.at(grid, j), code_in: codeIn, params, g_next: g, grad_in: grad })
      g = out.g_z
      grad = out.grad
    }
    return grad
  }

  /**
   * One chunk's chain term: encode x, run the chain from the draw, take the sample's cotangent from `sample` (× `scale`,
   * 1/n for one of n chunks), backpropagate it into `gradIn`. Returns the step graph's code_pre, the term's value and the gradient.
   */
  async run(x: Float32Array, draw: ChainDraw, params: ort.Tensor, sample: SampleGradient, gradIn: ort.Tensor, scale: number) {
    const { codePre, codeIn } = await this.encode(x)
    const grid = chainGrid(draw.u, this.batch, this.steps)
    const states = await this.forward(params, codeIn, draw.z0, grid)
    const { loss, gradY } = await sample.run(x, states[this.steps].data as Float32Array)
    const grad = await this.backward(params, codeIn, states, grid, scale === 1 ? gradY : gradY.map((v) => v * scale), gradIn)
    return { codePre, loss, grad }
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s.release()
  }

  private get image(): number[] {
    const S = this.config.imageSize
    return [this.batch, 3, S, S]
  }

  /** Call j's per-sample t_j and dt_j [B]. */
  private at(grid: ChainGrid, j: number): Record<'t' | 'dt', ort.Tensor> {
    const [B, k] = [this.batch, this.steps]
    return {
      t: floatTensor(Float32Array.from({ length: B }, (_, b) => grid.ts[b * (k + 1) + j]), [B]),
      dt: floatTensor(Float32Array.from({ length: B }, (_, b) => grid.dts[b * k + j]), [B]),
    }
  }
}
