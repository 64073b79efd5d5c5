// The Stage-1B chain on onnxruntime (train/ort-chain.ts: k forward sessions, then k recomputing vector-Jacobian
// sessions in reverse) against the official code on every golden set: the frozen encoder's code is dec_code_in, the
// chain's output is chain_out, and ∂ mean((chain_out − x)²)/∂θ is every golden grad1b/* (golden tolerances).
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { findGoldenSets, loadGoldenSet } from '../../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../../src/trainer/parity/golden-dir'
import { compareArrays } from '../../../../src/trainer/parity/tolerances'
import { buildTrainGraph } from '../../../../src/trainer/export/grad/train-graph'
import { chainGrid } from '../../../../src/trainer/sample/chain'
import { OrtChain } from '../../../../src/trainer/train/ort-chain'
import { ADAM_DEFAULTS } from '../../../../src/trainer/train/optim'
import { goldenWeights } from './golden-step'

describe.each(findGoldenSets(goldenDir()))('Stage-1B chain on onnxruntime on %s', (dir) => {
  it('gives the golden code, chain output and chain gradients', async () => {
    const set = await loadGoldenSet(dir)
    const io = (n: string) => set.io.get(n)!.data
    const [B, k] = [set.io.get('x')!.shape[0], set.spec.stage1b_k]
    const weights = await goldenWeights(set)
    const { layout } = buildTrainGraph(set.config, { batch: B, adam: ADAM_DEFAULTS, codePre: true, trainable: (n) => n.startsWith('decoder.') })
    const chain = await OrtChain.create(set.config, layout, weights, { batch: B, chainSteps: k, intraOpNumThreads: 1, device: 'cpu' })
    const params = new ort.Tensor('float32', layout.pack((n) => weights.get(n)), [layout.size])
    const { codePre, codeIn } = await chain.encode(io('x'))
    const grid = chainGrid(io('u_1b'), B, k)
    const states = await chain.forward(params, codeIn, io('z_1b'), grid)
    const out = states[k].data as Float32Array
    const x = io('x')
    const gK = out.map((v, i) => (2 * (v - x[i])) / out.length) // ∂ mean((out − x)²)/∂out
    const grad = await chain.backward(params, codeIn, states, grid, gK, new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]))
    await chain.release()
    const loss = out.reduce((s, v, i) => s + (v - x[i]) ** 2, 0) / out.length
    const rows = [
      compareArrays('enc_code_pre', codePre.data as Float32Array, io('enc_code_pre')),
      compareArrays('dec_code_in', codeIn.data as Float32Array, io('dec_code_in')),
      compareArrays('chain_out', out, io('chain_out')),
      compareArrays('loss_1b', [loss], io('loss_1b')),
      ...set.spec.grad1b_params.map((n) => compareArrays(`grad1b/${n}`, layout.unpack(grad.data as Float32Array, n), io(`grad1b/${n}`))),
    ]
    const failed = rows.filter((r) => !r.ok).map((r) => `${r.tensor}: abs ${r.maxAbs.toExponential(2)} rel ${r.rel.toExponential(2)}`)
    expect(failed).toEqual([])
    expect(set.spec.grad1b_params.length).toBeGreaterThan(0)
    // every decoder parameter the chain reads gets a gradient (the accumulator is not left at zero)
    const g = grad.data as Float32Array
    const untouched = layout.entries.filter((e) => e.ref.name.includes('final_layer_img') && g.subarray(e.offset, e.offset + e.size).every((v) => v === 0))
    expect(untouched).toEqual([])
  })
})
