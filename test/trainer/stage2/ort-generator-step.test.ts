// The generator's training step on onnxruntime (one graph: forward, MLM loss, gradients, clipping, AdamW) against the
// tfjs step the loop runs by default (generator-steppers.ts), from the same weights on the same batches, with two
// sub-tokens per position (F = 2), three classes and clipping active: three steps give the same losses, masked hits and
// gradient norms, and the same weights and AdamW moments. And the training loop on either engine: a run on onnxruntime
// stopped at a checkpoint and resumed logs the losses of an uninterrupted tfjs run.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { Rng } from '../../../src/trainer/data/rng'
import { onnxruntimeStepper, tfjsStepper, type GeneratorStepper } from '../../../src/trainer/stage2/generator-steppers'
import { drawMasks, maskedBits } from '../../../src/trainer/stage2/masking'
import { ImageBert, type MaskGitParams } from '../../../src/trainer/stage2/maskgit'
import { codesSet, writeCodes } from '../../../src/trainer/stage2/codes-file'
import { classOneHotData, decays, generatorAdam, GENERATOR_DEFAULTS, initGenerator, trainGenerator } from '../../../src/trainer/stage2/train-generator'

const params: MaskGitParams = { hiddenSize: 32, depth: 2, numHeads: 2, mlpSize: 64, positions: 8, bitsPerToken: 8, subTokens: 2, vocabulary: 16, classes: 3 }
const layout = { positions: 8, subTokens: 2, bitsPerSubToken: 4, vocabulary: 16 }
const B = 4
const N = B * 8 * 2
const lr = 1e-3
const clipNorm = 0.5 // below the first steps' gradient norms: the clipped path runs

function batch(step: number) {
  const rng = Rng.fromSeed(7, 1, step)
  const ids = Int32Array.from({ length: N }, () => Math.floor(rng.nextFloat() * 16))
  const masks = drawMasks(B, 16, rng)
  const labels = Int32Array.from({ length: B }, () => Math.floor(rng.nextFloat() * 4)) // 3 = the null class
  return { bits: maskedBits(ids, masks, B, layout), classOneHot: classOneHotData(labels, 3), ids, masks }
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12)
const maxAbs = (a: Float32Array, b?: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b ? b[i] : 0))), 0)

describe('generator step on onnxruntime', () => {
  beforeAll(async () => {
    await initBackend('cpu')
  })

  it('equals the tfjs step: losses, hits, gradient norms, weights and moments over three steps', async () => {
    const model = new ImageBert(params)
    const opts = { lr, weightDecay: GENERATOR_DEFAULTS.weightDecay, betas: GENERATOR_DEFAULTS.betas }
    const [wTf, wOrt] = [initGenerator(model, 3), initGenerator(model, 3)]
    const [adamTf, adamOrt] = [generatorAdam(model, opts), generatorAdam(model, opts)]
    const start = new Map([...wTf].map(([k, v]) => [k, v.dataSync() as Float32Array]))
    const tfStep: GeneratorStepper = tfjsStepper({ model, weights: wTf, adam: adamTf, clipNorm })
    const ortStep = await onnxruntimeStepper({ model, weights: wOrt, adam: adamOrt, clipNorm }, B, decays)
    let clipped = 0
    for (let s = 0; s < 3; s++) {
      const b = batch(s)
      const [a, o] = [await tfStep.step(b, lr), await ortStep.step(b, lr)]
      expect(relDiff(o.loss, a.loss)).toBeLessThan(1e-5)
      expect(o.correct).toBe(a.correct)
      expect(relDiff(o.gradNorm, a.gradNorm)).toBeLessThan(1e-4)
      if (a.gradNorm > clipNorm) clipped += 1
    }
    expect(clipped).toBeGreaterThan(0)
    await ortStep.syncOptimizer()
    const [snapTf, snapOrt] = [await adamTf.snapshot(), await adamOrt.snapshot()]
    const moments = new Map(snapOrt.tensors.map((t) => [t.name, t.data as Float32Array]))
    expect(snapTf.tensors.length).toBe(2 * model.parameters().length)
    for (const t of snapTf.tensors) {
      const ref = t.data as Float32Array
      expect(maxAbs(moments.get(t.name)!, ref), t.name).toBeLessThanOrEqual(1e-4 * Math.max(maxAbs(ref), 1e-8))
    }
    let moved = 0
    for (const [name, v] of wTf) {
      const [a, o] = [v.dataSync() as Float32Array, wOrt.get(name)!.dataSync() as Float32Array]
      // Adam moves each weight by about lr whatever its gradient's size: agreement to a small share of lr (docs/ort-training.md)
      expect(maxAbs(o, a), name).toBeLessThanOrEqual(0.1 * lr)
      moved = Math.max(moved, maxAbs(a, start.get(name)!))
    }
    expect(moved).toBeGreaterThan(lr) // three steps changed the weights
    await ortStep.release()
    tf.dispose([...wTf.values(), ...wOrt.values()])
    adamTf.dispose()
    adamOrt.dispose()
  })

  it('trains through the loop on onnxruntime, with checkpoint and resume, as on tfjs', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flowmo-ort-generator-'))
    const rng = Rng.fromSeed(9, 0)
    const config = { imageSize: 8, patchSize: 4, codeLength: 8, contextDim: 4, codebookSizeForEntropy: 2, encoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 }, decoder: { hiddenSize: 8, numHeads: 1, axesDim: [2, 2, 4], depth: 1 } }
    const codes = join(tmp, 'codes.safetensors')
    await writeCodes(codes, codesSet({
      n: 6, codeLength: 8, contextDim: 4, bits: Int8Array.from({ length: 6 * 32 }, () => (rng.nextFloat() < 0.5 ? -1 : 1)), labels: Int32Array.from({ length: 6 }, (_, i) => i % 2),
      classes: ['a', 'b'], source: Int32Array.from({ length: 6 }, (_, i) => i), flipped: new Int8Array(6), files: [...'abcdef'].map((c) => `${c}.png`),
      tokenizer: { checkpoint: 'x', sha256: '0', stateDict: null, config },
    }))
    const options = { ...GENERATOR_DEFAULTS, codes, preset: { hiddenSize: 32, depth: 1, numHeads: 2, mlpSize: 64 }, maxSteps: 4, checkpointEvery: 2, resume: false, batchSize: 4, lr: 1e-3, warmupSteps: 1, logEvery: 1 }
    const losses = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number; gradNorm: number })
    await trainGenerator({ ...options, out: join(tmp, 'tfjs'), engine: 'tfjs' })
    await trainGenerator({ ...options, out: join(tmp, 'ort'), engine: 'onnxruntime', maxSteps: 2 }) // steps 1–2 at the peak lr, as the 4-step schedule's
    const resumed = await trainGenerator({ ...options, out: join(tmp, 'ort'), engine: 'onnxruntime', resume: true })
    expect(resumed.step).toBe(4)
    const [a, o] = [losses(join(tmp, 'tfjs')), losses(join(tmp, 'ort'))]
    expect(o.map((r) => r.step)).toEqual([1, 2, 3, 4])
    // the same batches and learning rates; the resumed run starts from the checkpoint's weights and AdamW moments
    for (const i of [0, 1, 2, 3]) {
      expect(relDiff(o[i].loss, a[i].loss), `step ${i + 1}`).toBeLessThan(1e-4)
      expect(relDiff(o[i].gradNorm, a[i].gradNorm), `step ${i + 1}`).toBeLessThan(1e-3)
    }
  })
})