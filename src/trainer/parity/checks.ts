// Runs every golden check of one set on tfjs: encoder, LFQ, decoder, losses, gradients (Stage 1A and the
// Stage-1B chain), the sampler and the weight-norm projection. Returns one row per golden tensor.
import * as tf from '@tensorflow/tfjs-core'
import { FlowMo, codeInput } from '../model/flowmo'
import { TfOps } from '../model/tf-ops'
import { lfqIndices, lfqLosses, quantize, quantizeSTE } from '../model/lfq'
import { timestepEmbedding } from '../model/math'
import { patchify } from '../model/flux'
import type { WeightMap } from '../model/weights'
import { flowLoss, noisyInput } from '../losses/rectified-flow'
import { chainGrid, runChain } from '../sample/chain'
import { tfSample } from '../sample/tf-sample'
import { frobenius, projectWeight } from '../train/weight-norm'
import { compareArrays, toleranceFor, type CheckRow } from './tolerances'
import type { GoldenSet } from './golden-set'

export class GoldenChecker {
  readonly rows: CheckRow[] = []
  readonly model: FlowMo
  readonly o: TfOps

  constructor(readonly set: GoldenSet, readonly weights: WeightMap) {
    this.model = new FlowMo(set.config)
    this.o = new TfOps(weights)
  }

  /** A golden input or output as a tensor. */
  io(name: string): tf.Tensor {
    const t = this.set.io.get(name)
    if (!t) throw new Error(`${this.set.name}: io.safetensors has no tensor ${name}`)
    return tf.tensor(t.data, t.shape, 'float32')
  }

  /** Compares with the golden tensor `name`; a set that lacks it fails the check (the set is incomplete). */
  check(name: string, actual: tf.Tensor | ArrayLike<number>): void {
    if (!this.set.io.has(name)) {
      this.rows.push({ tensor: name, maxAbs: Infinity, maxRef: 0, rel: Infinity, tolerance: toleranceFor(name), ok: false, note: `missing from ${this.set.name}'s io.safetensors` })
      return
    }
    const data = actual instanceof tf.Tensor ? actual.dataSync() : actual // sync point: comparison
    this.rows.push(compareArrays(name, data, this.set.io.get(name)!.data))
  }

  forward(): void {
    tf.tidy(() => {
      const { model, o } = this
      const x = this.io('x')
      const t = this.io('t') as tf.Tensor1D
      const codePre = model.encode(o, x)
      this.check('enc_code_pre', codePre)
      const q = quantize(codePre)
      this.check('enc_code', q)
      const [B, L, C] = q.shape
      this.check('lfq_indices', lfqIndices(q.dataSync() as Float32Array, B, L, C, this.set.config.codebookSizeForEntropy))
      const codeIn = codeInput(o, q)
      this.check('dec_code_in', codeIn)
      this.check('t_emb', timestepEmbedding(o, t))
      this.check('dbg/dec_vec', model.decoder.timeIn.forward(o, timestepEmbedding(o, t)))
      this.check('dbg/enc_img_tokens', patchify(o, x, this.set.config.patchSize))
      this.check('dbg/dec_img_tokens', patchify(o, this.io('x_t'), this.set.config.patchSize))
      this.check('x_t', noisyInput(x, this.io('eps'), t))
      this.check('v', model.decode(o, this.io('x_t'), codeIn, t))
      this.check('v_null', model.decode(o, this.io('x_t'), tf.zerosLike(codeIn), t))
    })
  }

  ropeTables(): void {
    for (const [which, flux] of [['enc', this.model.encoder], ['dec', this.model.decoder]] as const) {
      const { cos, sin } = flux.rope // [L+N, D/2] → golden [L+N, D/2, 2, 2] = [[cos, −sin], [sin, cos]]
      const rot = new Float32Array(cos.length * 4)
      for (let i = 0; i < cos.length; i++) rot.set([cos[i], -sin[i], sin[i], cos[i]], 4 * i)
      this.check(`dbg/${which}_pe`, rot)
    }
  }

  /** Stage-1A losses and ∂(flow + quantiser loss)/∂θ with the straight-through code, as rf_loss with t, ε injected. */
  stage1a(): void {
    const { model, o, set } = this
    const cfg = set.config
    const names = set.spec.grad_params.filter((n) => this.weights.has(n))
    const absent = set.spec.grad_candidates_not_in_graph ?? []
    const vars = [...names, ...absent].map((n) => this.weights.get(n)!).filter(Boolean)
    const { value, grads } = tf.variableGrads(() => {
      const x = this.io('x')
      const eps = this.io('eps')
      const t = this.io('t') as tf.Tensor1D
      const codePre = model.encode(o, x)
      const l = lfqLosses(codePre, cfg.codebookSizeForEntropy, cfg.entropyLossWeight, cfg.commitLossWeight)
      const v = model.decode(o, noisyInput(x, eps, t), codeInput(o, quantizeSTE(codePre)), t)
      const flow = flowLoss(v, x, eps)
      this.check('lfq_per_sample_entropy', l.perSampleEntropy)
      this.check('lfq_codebook_entropy', l.codebookEntropy)
      this.check('lfq_entropy_aux', l.entropyAux)
      this.check('lfq_commitment', l.commitment)
      this.check('lfq_quantizer_loss', l.quantizerLoss)
      this.check('flow_loss', flow)
      return tf.add(flow, l.quantizerLoss) as tf.Scalar
    }, vars)
    this.check('total_loss', value)
    const grad = (n: string) => grads[this.weights.get(n)!.name]
    for (const n of names) this.check(`grad/${n}`, grad(n) ?? tf.zerosLike(this.weights.get(n)!))
    for (const n of absent) this.expectNoGradient(n, grad(n))
    tf.dispose([value, ...Object.values(grads)])
  }

  /** The reference gives no gradient to parameters outside the graph (the last block's dead stream). */
  private expectNoGradient(name: string, grad: tf.Tensor | undefined): void {
    const maxAbs = grad ? tf.max(tf.abs(grad)).dataSync()[0] : 0
    const tolerance = { measure: 'exact' as const, limit: 0 }
    this.rows.push({ tensor: `grad/${name} (not in graph)`, maxAbs, maxRef: 0, rel: maxAbs, tolerance, ok: maxAbs === 0 })
  }

  /** The k-step chain with per-sample time grids and ∂ mean((chain − x)²)/∂θ through every decoder call. */
  stage1b(): void {
    const { model, o, set } = this
    const k = set.spec.stage1b_k
    const x = this.io('x')
    const B = x.shape[0]
    const grid = chainGrid(set.io.get('u_1b')!.data, B, k)
    this.check('ts_1b', grid.ts)
    this.check('dts_1b', grid.dts)
    const names = set.spec.grad1b_params
    const { value, grads } = tf.variableGrads(() => {
      const code = codeInput(o, quantizeSTE(model.encode(o, x)))
      const out = runChain((z, t) => model.decode(o, z, code, t), this.io('z_1b'), grid, B, k)
      this.check('chain_out', out)
      return tf.mean(tf.square(tf.sub(out, x))) as tf.Scalar
    }, names.map((n) => this.weights.get(n)!))
    this.check('loss_1b', value)
    for (const n of names) this.check(`grad1b/${n}`, grads[this.weights.get(n)!.name])
    tf.dispose([value, ...Object.values(grads)])
  }

  async sampler(): Promise<void> {
    const { model, o, set } = this
    const codeIn = tf.tidy(() => codeInput(o, quantize(model.encode(o, this.io('x')))))
    const res = await tfSample(model, o, this.io('z0'), codeIn, set.config.sampling, { keepTrajectory: true })
    this.check('sample_steps_ts', res.ts)
    this.check('sample_steps_dts', res.dts)
    this.check('sample_cfg_applied', res.cfgApplied.map(Number))
    this.check('sample_nfe', [res.nfe])
    this.check('sample_traj', tf.stack(res.trajectory))
    this.check('sample_final', res.final)
    this.check('sample_final_clipped', tf.clipByValue(res.final, -1, 1))
    tf.dispose([codeIn, ...res.trajectory, ...res.predicted])
  }

  weightNorm(): void {
    if (!this.set.io.has('weightnorm/W1')) return
    this.check('weightnorm/W1_projected', projectWeight(this.io('weightnorm/W1'), frobenius(this.io('weightnorm/W0'))))
  }
}
