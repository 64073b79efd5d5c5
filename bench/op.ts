// One timed operation in its own process (so peak RSS is its own): `tsx bench/op.ts '<json spec>'` prints one JSON line.
// Ops match ../shared/bench/torch_flowmo_bench.py: train_step (Stage 1A, batch 8, no perceptual term),
// reconstruct (encode → sign → 25 Euler steps with CFG 1.5 in σ (.17,1.02) = 31 decoder calls, batch 4),
// decode_nfe (one decoder call at t = 0.5, batch 4); and train_step_1b, which has no PyTorch twin: one Stage-1B step on
// onnxruntime (the Stage-1A loss on the decoder + λ_sample 0.01 · the offline proxy's distance of the k-step chain sample,
// encoder frozen, batch 8).
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../src/trainer/backend'
import { preset } from '../src/trainer/model/configs'
import { FlowMo, codeInput } from '../src/trainer/model/flowmo'
import { initWeights } from '../src/trainer/model/init'
import { TfOps } from '../src/trainer/model/tf-ops'
import { TfModel } from '../src/trainer/inference/tf-model'
import { OrtModel } from '../src/trainer/inference/ort-model'
import { Trainer } from '../src/trainer/train/trainer'
import { OrtTrainStep } from '../src/trainer/train/ort-step'
import { PerceptualGradSession } from '../src/trainer/train/perceptual-grad-session'
import { createPerceptualLoss } from '../src/trainer/losses/perceptual'
import { Rng } from '../src/trainer/data/rng'
import { gaussianNoise } from '../src/trainer/sample/noise'
import { sampleTimes } from '../src/trainer/losses/rectified-flow'

export interface OpSpec {
  preset: string // our preset with the PyTorch bench's sizes: bench-tiny64 | small-128
  op: 'train_step' | 'train_step_1b' | 'reconstruct' | 'decode_nfe'
  chainSteps?: number // train_step_1b: the chain's k decoder calls (default 8)
  path: 'tfjs' | 'onnxruntime'
  batch: number
  runs: number
  warmup: number
  checkpoint: string // a safetensors file of fresh weights for this preset (written by run.ts)
}

const spec = JSON.parse(process.argv[2]) as OpSpec
const config = preset(spec.preset)
const S = config.imageSize
const rng = Rng.fromSeed(0)
const images = (n: number) => gaussianNoise(n * 3 * S * S, rng).map((v) => Math.max(-1, Math.min(1, v * 0.5)))

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < spec.warmup; i++) await fn()
  const ms: number[] = []
  for (let i = 0; i < spec.runs; i++) {
    const t0 = performance.now()
    await fn()
    ms.push(performance.now() - t0)
  }
  return ms
}

async function run(): Promise<{ ms: number[]; nfe?: number; backend: string }> {
  // tfjs also makes the fresh weights of the onnxruntime train step: on its plain-JS backend there, whose memory is
  // freed on dispose (a wasm heap never shrinks) and which starts no threads beside onnxruntime's
  const tfBackend = (await initBackend(spec.path === 'onnxruntime' ? 'cpu' : undefined)).name
  const backend = spec.path === 'tfjs' ? tfBackend : 'onnxruntime-cpu'
  const x = images(spec.batch)
  if (spec.op === 'train_step' || spec.op === 'train_step_1b') return { ms: await trainStep(x), backend }
  if (spec.path === 'onnxruntime') {
    const m = await OrtModel.open({ checkpoint: spec.checkpoint })
    if (spec.op === 'reconstruct') {
      let nfe = 0
      return { ms: await timed(async () => (nfe = (await m.reconstruct(x, spec.batch)).nfe)), nfe, backend }
    }
    const { code } = await m.encode(x, spec.batch)
    const codeIn = withMask(code, spec.batch)
    return { ms: await timed(() => m.velocity({ data: x, shape: [spec.batch, 3, S, S] }, codeIn, 0.5)), backend }
  }
  const m = await TfModel.open({ checkpoint: spec.checkpoint })
  if (spec.op === 'reconstruct') {
    let nfe = 0
    return { ms: await timed(async () => (nfe = (await m.reconstruct(x, spec.batch)).nfe)), nfe, backend }
  }
  const o = new TfOps(m.weights)
  const z = tf.tensor4d(x, [spec.batch, 3, S, S])
  const { code } = await m.encode(x, spec.batch)
  const codeIn = codeInput(o, tf.tensor3d(code, [spec.batch, config.codeLength, config.contextDim]))
  const t = tf.fill([spec.batch], 0.5)
  return { ms: await timed(async () => tf.tidy(() => m.model.decode(o, z, codeIn, t)).data()), backend }
}

function withMask(code: Float32Array, B: number) {
  const { codeLength: L, contextDim: C } = config
  const data = new Float32Array(B * L * (C + 1))
  for (let i = 0; i < B * L; i++) {
    data.set(code.subarray(i * C, (i + 1) * C), i * (C + 1))
    data[i * (C + 1) + C] = 1
  }
  return { data, shape: [B, L, C + 1] }
}

async function trainStep(x: Float32Array): Promise<number[]> {
  const model = new FlowMo(config)
  const weights = initWeights(model, 0)
  const B = spec.batch
  const draw = () => ({
    eps: gaussianNoise(B * 3 * S * S, rng),
    t: sampleTimes('fat_lognormal', B, { normal: () => gaussianNoise(1, rng)[0], uniform: () => rng.nextFloat() }),
    keep: Float32Array.from({ length: B }, () => (rng.nextFloat() < 0.1 ? 0 : 1)),
  })
  const k = spec.op === 'train_step_1b' ? (spec.chainSteps ?? 8) : 0
  if (spec.path === 'onnxruntime') {
    const plain = new Map([...weights].map(([k, v]) => [k, v.dataSync() as Float32Array]))
    const proxy = k ? (await createPerceptualLoss('proxy', {}))! : null
    const chain = proxy ? { steps: k, sample: await PerceptualGradSession.create(proxy, { batch: B, imageSizePx: S, weight: 0.01, device: 'cpu' }) } : undefined
    const step = await OrtTrainStep.create(config, plain, { batch: B, device: 'cpu', chain })
    weights.forEach((v) => v.dispose()) // the step holds its own flat copy (and the proxy's session its weights): the peak RSS is the step's
    proxy?.dispose()
    const chainDraw = () => ({ z0: gaussianNoise(B * 3 * S * S, rng), u: Float32Array.from({ length: B * (k + 1) }, () => rng.nextFloat()) })
    return timed(() => step.step({ x, ...draw(), ...(k && { chain: chainDraw() }) }, 1e-4))
  }
  if (k) throw new Error('train_step_1b is timed on onnxruntime only')
  const trainer = new Trainer(model, weights, {
    stage: '1a', lr: 1e-4, gradAccumulation: 1, freezeEncoderAfter: null, mseEncoderSteps: null, timeDistribution: 'fat_lognormal',
    perceptualWeight: 0, cfgDropout: 0.1, chainSteps: 8, seed: 0,
  }, null, 0)
  return timed(async () => trainer.trainStep(x, B))
}

const { ms, nfe, backend } = await run()
const sorted = [...ms].sort((a, b) => a - b)
console.log(JSON.stringify({
  impl: 'flowmo-studio', preset: spec.preset, op: spec.op, path: spec.path, backend, batch: spec.batch, runs: spec.runs,
  median_ms: sorted[Math.floor(sorted.length / 2)], min_ms: sorted[0], max_ms: sorted[sorted.length - 1],
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), ...(nfe !== undefined && { nfe }),
  ...(spec.op === 'train_step_1b' && { chain_steps: spec.chainSteps ?? 8 }),
}))
process.exit(0)
