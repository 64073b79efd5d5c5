// OrtTrainStep on the golden sets: the first step's loss is the golden total loss, its first moment is (1 − β₁)·the
// golden gradient, projected weights keep their norm, untouched and frozen parameters stay as they were.
import { describe, expect, it } from 'vitest'
import { findGoldenSets, loadGoldenSet } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { compareArrays } from '../../../src/trainer/parity/tolerances'
import { OrtTrainStep } from '../../../src/trainer/train/ort-step'
import { ADAM_DEFAULTS } from '../../../src/trainer/train/optim'
import { goldenWeights } from '../export/grad/golden-step'

const norm = (w: Float32Array) => Math.sqrt(w.reduce((s, x) => s + x * x, 0))

describe('OrtTrainStep', () => {
  it('takes golden-exact first steps and keeps its state between them', async () => {
    const set = await loadGoldenSet(findGoldenSets(goldenDir()).at(-1)!)
    const start = await goldenWeights(set)
    const io = (n: string) => set.io.get(n)!.data
    const B = set.io.get('x')!.shape[0]
    const trainer = await OrtTrainStep.create(set.config, start, { batch: B, intraOpNumThreads: 1 })
    const batch = { x: io('x'), eps: io('eps'), t: io('t'), keep: new Float32Array(B).fill(1) }
    const first = await trainer.step(batch, 1e-3)
    expect(compareArrays('total_loss', [first.total_loss], io('total_loss')).ok).toBe(true)
    const { m, step } = trainer.moments()
    expect(step).toBe(1)
    for (const n of set.spec.grad_params) {
      const grad = io(`grad/${n}`).map((g) => g * (1 - ADAM_DEFAULTS.betas[0]))
      expect(compareArrays(`grad/${n}`, m.get(n)!, grad).ok, n).toBe(true)
    }
    const second = await trainer.step(batch, 1e-3)
    expect(second.total_loss).toBeLessThan(first.total_loss) // same batch, a descent step
    const after = trainer.weights()
    expect([...after.keys()]).toEqual([...start.keys()].filter((k) => after.has(k)))
    expect(after.size).toBe(start.size)
    const projected = 'decoder.double_blocks.0.img_attn.qkv.weight'
    expect(norm(after.get(projected)!)).toBeCloseTo(norm(start.get(projected)!), 4)
    expect(after.get(projected)).not.toEqual(start.get(projected))
    const unread = 'encoder.final_layer_img.linear.weight' // the encoder's image head is never used
    expect(after.get(unread)).toEqual(start.get(unread))
    const short = { ...batch, t: batch.t.slice(0, 1) }
    await expect(trainer.step(short, 1e-3)).rejects.toThrow(/built for batch 2; got t for 1/)
    expect(trainer.stepCount).toBe(2)
    await trainer.release()
  })

  it('trains only the trainable parameters (a frozen encoder) with the same decoder gradients', async () => {
    const set = await loadGoldenSet(findGoldenSets(goldenDir())[0])
    const start = await goldenWeights(set)
    const io = (n: string) => set.io.get(n)!.data
    const B = set.io.get('x')!.shape[0]
    const decoderOnly = (n: string) => n.startsWith('decoder.')
    const trainer = await OrtTrainStep.create(set.config, start, { batch: B, intraOpNumThreads: 1, trainable: decoderOnly })
    const losses = await trainer.step({ x: io('x'), eps: io('eps'), t: io('t'), keep: new Float32Array(B).fill(1) }, 1e-3)
    expect(compareArrays('total_loss', [losses.total_loss], io('total_loss')).ok).toBe(true)
    const { m } = trainer.moments()
    expect([...m.keys()].every(decoderOnly)).toBe(true)
    for (const n of set.spec.grad_params.filter(decoderOnly)) {
      const grad = io(`grad/${n}`).map((g) => g * (1 - ADAM_DEFAULTS.betas[0]))
      expect(compareArrays(`grad/${n}`, m.get(n)!, grad).ok, n).toBe(true)
    }
    const after = trainer.weights()
    expect(after.get('encoder.img_in.weight')).toEqual(start.get('encoder.img_in.weight'))
    expect(after.get('decoder.img_in.weight')).not.toEqual(start.get('decoder.img_in.weight'))
    await trainer.release()
  })
})
