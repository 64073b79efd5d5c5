// The two executions of one generator training step, behind one interface so the loop (train-generator.ts) is the same:
// tfjs (`tf.variableGrads` over maskgit.ts + generator-loss.ts, clipping, train/optim.ts AdamW) and onnxruntime (the
// same step as one graph, ort-generator-step.ts). The tf variables and the tfjs Adam stay the run's state either way:
// the onnxruntime step copies its weights into them after each step (for the EMA) and its moments before a checkpoint.
import * as tf from '@tensorflow/tfjs-core'
import { TfOps } from '../model/tf-ops'
import type { Adam } from '../train/optim'
import { mlmLoss } from './generator-loss'
import type { ImageBert } from './maskgit'
import { OrtGeneratorStep, type GeneratorBatch, type GeneratorStepResult } from './ort-generator-step'

export type GeneratorEngine = 'tfjs' | 'onnxruntime'

export interface GeneratorStepper {
  readonly label: string // e.g. 'onnxruntime (webgpu)', for the run's log
  step(b: GeneratorBatch, lr: number): Promise<GeneratorStepResult> // lr: every group's, this step
  syncOptimizer(): Promise<void> // the Adam object holds the current moments (before a checkpoint)
  release(): Promise<void>
}

export interface StepperState {
  readonly model: ImageBert
  readonly weights: ReadonlyMap<string, tf.Variable>
  readonly adam: Adam
  readonly clipNorm: number
}

export function tfjsStepper(s: StepperState): GeneratorStepper {
  const o = new TfOps(s.weights)
  const byVarName = new Map([...s.weights].map(([name, v]) => [v.name, name]))
  const { positions: T, bitsPerToken: C, classes: K, vocabulary: V } = s.model.params
  return {
    label: 'tfjs',
    async step(b, lr) {
      const B = b.classOneHot.length / (K + 1)
      for (const g of s.adam.groups) g.lr = lr
      let correct: tf.Scalar | null = null
      const { value, grads } = tf.variableGrads(() => {
        const logits = s.model.forward(o, tf.tensor3d(b.bits, [B, T, C]), tf.tensor3d(b.classOneHot, [B, 1, K + 1]))
        const r = mlmLoss(logits, b.ids, b.masks, V)
        correct = tf.keep(r.correct)
        return r.loss
      }, [...s.weights.values()])
      const byName = new Map([...Object.entries(grads)].map(([k, g]) => [byVarName.get(k)!, g]))
      const sumSquares = tf.tidy(() => tf.addN([...byName.values()].map((g) => tf.sum(tf.square(g)))))
      const gradNorm = Math.sqrt((await sumSquares.data())[0]) // sync point
      sumSquares.dispose()
      const scale = gradNorm > s.clipNorm ? s.clipNorm / gradNorm : 1
      const clipped = new Map([...byName].map(([k, g]) => [k, scale === 1 ? g : tf.mul(g, scale)]))
      s.adam.step(s.weights, clipped)
      const loss = (await value.data())[0] // sync point
      const hits = (await correct!.data())[0]
      tf.dispose([value, correct!, ...Object.values(grads), ...(scale === 1 ? [] : [...clipped.values()])])
      return { loss, correct: hits, gradNorm }
    },
    syncOptimizer: async () => {},
    release: async () => {},
  }
}

/** The onnxruntime step at a fixed batch, started from the current weights and Adam moments (a resume's too). */
export async function onnxruntimeStepper(s: StepperState, batch: number, decays: (name: string, shape: readonly number[]) => boolean): Promise<GeneratorStepper> {
  const snap = await s.adam.snapshot()
  const moment = (prefix: string) => new Map(snap.tensors.filter((t) => t.name.startsWith(prefix)).map((t) => [t.name.slice(prefix.length), t.data as Float32Array]))
  const steps = Object.values(JSON.parse(snap.metadata.adam_steps) as Record<string, number>)
  const weights = new Map<string, Float32Array>()
  for (const [name, v] of s.weights) weights.set(name, (await v.data()) as Float32Array) // sync point
  const decay = s.adam.groups.find((g) => (g.weightDecay ?? 0) > 0)?.weightDecay ?? 0
  const ort = await OrtGeneratorStep.create(s.model.params, weights, {
    batch, betas: s.adam.cfg.betas, eps: s.adam.cfg.eps, weightDecay: decay, decays, clipNorm: s.clipNorm,
    moments: { m: moment('exp_avg.'), v: moment('exp_avg_sq.'), step: steps.length ? Math.max(...steps) : 0 },
  })
  return {
    label: `onnxruntime (${ort.device})`,
    async step(b, lr) {
      const r = await ort.step(b, lr)
      for (const [name, data] of ort.weights()) tf.tidy(() => s.weights.get(name)!.assign(tf.tensor(data, s.weights.get(name)!.shape)))
      return r
    },
    async syncOptimizer() {
      const { m, v, step } = ort.moments()
      const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>()
      for (const [name, w] of s.weights) {
        tensors.set(`exp_avg.${name}`, { shape: w.shape, data: m.get(name)! })
        tensors.set(`exp_avg_sq.${name}`, { shape: w.shape, data: v.get(name)! })
      }
      s.adam.restore(tensors, { adam_steps: JSON.stringify(Object.fromEntries([...s.weights.keys()].map((n) => [n, step]))) })
    },
    release: () => ort.release(),
  }
}
