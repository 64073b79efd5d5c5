// Golden parity of the onnxruntime path: a golden set's weights exported (flowmo-export.ts) and run by OrtModel
// must reproduce the golden encoder, decoder and sampler tensors, and agree with the tfjs path (rel ≤ 1e-4).
import * as tf from '@tensorflow/tfjs-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OrtModel } from '../inference/ort-model'
import { TfModel } from '../inference/tf-model'
import { TfOps } from '../model/tf-ops'
import { loadGoldenSet, type GoldenSet } from '../parity/golden-set'
import { compareArrays, type CheckRow } from '../parity/tolerances'
import { exportFlowMo } from './flowmo-export'
import { fusedAttentionOn, type OrtDevice } from './ort-device'
import type { FloatTensor } from './ort-runner'

export const ORT_VS_TFJS_REL = 1e-4

export interface OrtParityOptions {
  readonly device?: OrtDevice // default 'cpu'
  readonly fusedAttention?: boolean // default: fusedAttentionOn(device)
  readonly intraOpNumThreads?: number
}

/** Exports the set's weights.safetensors into a temp folder and checks the exported graphs; one row per tensor. */
export async function checkGoldenSetOrt(dir: string, opts: OrtParityOptions = {}): Promise<CheckRow[]> {
  const set = await loadGoldenSet(dir)
  const src = { checkpoint: join(dir, 'weights.safetensors'), config: join(dir, 'config.json') }
  const work = await mkdtemp(join(tmpdir(), 'flowmo-ort-parity-'))
  try {
    const device = opts.device ?? 'cpu'
    await exportFlowMo(src, work, { fusedAttention: opts.fusedAttention ?? fusedAttentionOn(device) })
    const ort = await OrtModel.load(work, { device, intraOpNumThreads: opts.intraOpNumThreads })
    if (ort.device !== device) throw new Error(`onnxruntime ran on ${ort.device}, not ${device}`)
    const tfm = await TfModel.open(src)
    try {
      return await compareAll(set, ort, tfm)
    } finally {
      await ort.dispose()
      tfm.dispose()
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function compareAll(set: GoldenSet, ort: OrtModel, tfm: TfModel): Promise<CheckRow[]> {
  const io = (name: string): FloatTensor => {
    const t = set.io.get(name)
    if (!t) throw new Error(`${set.name}: io.safetensors has no tensor ${name}`)
    return t
  }
  const golden = (name: string, actual: ArrayLike<number>) => ({ ...compareArrays(name, actual, io(name).data), tensor: `${name} [onnxruntime]` })
  const x = io('x')
  const B = x.shape[0]
  const rows: CheckRow[] = []
  // encoder and quantiser
  const enc = await ort.encode(x.data, B)
  const tfEnc = await tfm.encode(x.data, B)
  rows.push(golden('enc_code_pre', enc.codePre), golden('enc_code', enc.code), relRow('enc_code_pre', enc.codePre, tfEnc.codePre))
  // one decoder call, with the code and with the null code
  const codeIn = io('dec_code_in')
  const t = io('t').data
  const v = await ort.velocity(io('x_t'), codeIn, t)
  const vNull = await ort.velocity(io('x_t'), { data: new Float32Array(codeIn.data.length), shape: codeIn.shape }, t)
  rows.push(golden('v', v.data), golden('v_null', vNull.data), relRow('v', v.data, tfVelocity(tfm, io('x_t'), codeIn, t)))
  // the whole sampler from the golden z0
  const res = await ort.sample(enc.code, io('z0').data, B, { keepTrajectory: true })
  const clipped = await ort.decode(enc.code, io('z0').data, B)
  rows.push(golden('sample_nfe', [res.nfe]), golden('sample_cfg_applied', res.cfgApplied.map(Number)))
  rows.push(golden('sample_traj', concat(res.trajectory.map((z) => z.data))), golden('sample_final', res.final.data))
  rows.push(golden('sample_final_clipped', clipped.images))
  rows.push(relRow('sample_final_clipped', clipped.images, (await tfm.decode(tfEnc.code, io('z0').data, B)).images))
  return rows
}

/** The tfjs decoder output for the same feeds. */
function tfVelocity(tfm: TfModel, xt: FloatTensor, codeIn: FloatTensor, t: Float32Array): Float32Array {
  return tf.tidy(() => {
    const v = tfm.model.decode(new TfOps(tfm.weights), tf.tensor(xt.data, [...xt.shape]), tf.tensor(codeIn.data, [...codeIn.shape]), tf.tensor1d(t))
    return v.dataSync() as Float32Array // sync point: comparison
  })
}

/** onnxruntime against tfjs: max|Δ| / max|tfjs| ≤ ORT_VS_TFJS_REL. */
function relRow(name: string, ort: ArrayLike<number>, tfjs: ArrayLike<number>): CheckRow {
  return compareArrays(`${name} [onnxruntime vs tfjs]`, ort, tfjs, { measure: 'rel', limit: ORT_VS_TFJS_REL })
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0)
  return out
}
