// Times one Stage-1A training step (no perceptual term) at a fixed batch on both engines: the onnxruntime
// step graph (train/ort-step.ts) and tfjs `variableGrads` + Adam + projection on the wasm backend.
// Usage: npx tsx src/trainer/export/grad/bench-step.ts [preset=tiny-64] [batch=8] [repeats=5] [ort threads=1,0] [tfjs=yes|no]
// (onnxruntime intra-op threads, 0 = every core; FLOWMO_THREADS sets the wasm threads).
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../backend'
import { preset } from '../../model/configs'
import { FlowMo } from '../../model/flowmo'
import { initWeights } from '../../model/init'
import { Adam } from '../../train/optim'
import { OrtTrainStep, type OrtStepBatch } from '../../train/ort-step'
import { stage1aLoss } from '../../train/stage1a'
import { captureNorms, projectNorms } from '../../train/weight-norm'
import { Rng } from '../../data/rng'
import { gaussianNoise } from '../../sample/noise'

const randn = (n: number, seed: number) => gaussianNoise(n, Rng.fromSeed(seed, 0, 0, 0))

async function median(label: string, repeats: number, run: () => Promise<unknown>): Promise<number> {
  await run() // warm-up
  const times: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  const m = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
  console.log(`${label}: median ${m.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`)
  return m
}

async function main(): Promise<void> {
  const [name = 'tiny-64', batchArg = '8', repeatsArg = '5'] = process.argv.slice(2)
  const config = preset(name)
  const B = Number(batchArg)
  const S = config.imageSize
  const batch: OrtStepBatch = {
    x: randn(B * 3 * S * S, 1).map((v) => Math.tanh(v)), eps: randn(B * 3 * S * S, 2),
    t: Float32Array.from({ length: B }, (_, i) => (i + 0.5) / B), keep: Float32Array.from({ length: B }, (_, i) => (i % 10 === 9 ? 0 : 1)),
  }
  const info = await initBackend(process.env.FLOWMO_BACKEND ?? 'wasm')
  const model = new FlowMo(config)
  const vars = initWeights(model, 0)
  const start = new Map([...vars].map(([k, v]) => [k, v.dataSync() as Float32Array]))

  for (const threads of (process.argv[5] ?? '1,0').split(',').map(Number)) {
    const buildStart = performance.now()
    const ort = await OrtTrainStep.create(config, start, { batch: B, intraOpNumThreads: threads, device: 'cpu' })
    console.log(`${name}, batch ${B}: ort graph + session ${(performance.now() - buildStart).toFixed(0)} ms`)
    await median(`onnxruntime-node step (${threads || 'all'} threads)`, Number(repeatsArg), () => ort.step(batch, 1e-4))
    await ort.release()
  }

  if (process.argv[6] === 'no') return
  const adam = new Adam([{ name: 'all', lr: 1e-4, params: [...vars.keys()] }])
  const norms = await captureNorms(vars)
  const x = tf.tensor4d(batch.x, [B, 3, S, S])
  const ctx = { model, weights: vars, perceptual: null, perceptualWeight: 0 }
  await median(`tfjs ${info.name} (${info.threads} threads) step`, Number(repeatsArg), async () => {
    const { value, grads } = tf.variableGrads(() => stage1aLoss(ctx, x, batch).total)
    adam.step(vars, new Map([...vars].map(([k, v]) => [k, grads[v.name]])))
    projectNorms(vars, norms)
    await value.data()
    tf.dispose([value, ...Object.values(grads)])
  })
}

void main()
