// runAblation on a tiny model: one row per variant with PSNR and deltas against the baseline, sampler rows evaluated on
// the baseline's run, table.md in the paper's layout; a second call retrains and re-evaluates nothing.
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { runAblation, type AblationOptions } from '../../../src/trainer/ablate/run-ablation'
import { variantById } from '../../../src/trainer/ablate/variants'
import { makeRunFixture, type RunFixture } from '../train/run-fixture'
import { tinyConfig } from '../train/tiny'

let f: RunFixture
beforeAll(async () => {
  await initBackend()
  f = await makeRunFixture(4)
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

const options = (out: string, log: string[]): AblationOptions => ({
  data: f.data, val: f.data, preset: 'test-tiny', config: tinyConfig(), maxSteps: 2, stage1bSteps: 1, seed: 1, batchSize: 2,
  perceptual: 'none', evalImages: 2, sampleSteps: 2, out, metrics: ['psnr', 'ssim'], inferencePath: 'tfjs',
  variants: ['fsq', 'no-guidance', 'stage-1b'].map(variantById), onLog: (l) => log.push(l),
})

describe('runAblation', () => {
  it('writes one row per variant with metrics and deltas, then reuses every run and eval on a second call', async () => {
    const out = join(f.root, 'ablation')
    const first: string[] = []
    const table = await runAblation(options(out, first))
    expect(table.rows.map((r) => r.id)).toEqual(['baseline', 'fsq', 'no-guidance', 'stage-1b'])
    for (const r of table.rows) {
      expect(Number.isFinite(r.metrics.psnr)).toBe(true)
      expect(r.deltas.psnr).toBeCloseTo(r.metrics.psnr - table.rows[0].metrics.psnr, 10)
    }
    expect(table.rows.map((r) => r.changed)).toEqual([[], ['quantizer'], ['guidance'], ['stage1b']])
    expect(table.rows[2].run).toBe(table.rows[0].run) // a sampler-only row is the baseline's run, evaluated without CFG
    expect(table.rows[2].sampling).toMatchObject({ cfg: 1, cfgInterval: null })
    expect(table.rows[3].checkpoint).toMatch(/runs\/stage-1b\/checkpoints\/step-000001\.safetensors$/)
    expect(first.filter((l) => /: training Stage 1[AB]/.test(l))).toHaveLength(3) // baseline, fsq, stage-1b
    expect(table.rows.map((r) => r.engine)).toEqual(['onnxruntime', 'onnxruntime', 'onnxruntime', 'onnxruntime + onnxruntime']) // auto
    expect(first.filter((l) => /training engine: onnxruntime/.test(l))).toHaveLength(3) // baseline, fsq, stage-1b

    const json = JSON.parse(readFileSync(join(out, 'table.json'), 'utf8'))
    expect(json.rows).toHaveLength(4)
    const md = readFileSync(join(out, 'table.md'), 'utf8')
    expect(md).toMatch(/\| with FSQ quantization \| [0-9.]+ \([+−][0-9.]+\) \|/)
    expect(md).toMatch(/## Table 5[\s\S]*with Stage 1B \(post-trained\)/)
    expect(md).toMatch(/## Protocol[\s\S]*2 Stage-1A steps, batch 2, seed 1/)
    expect(md).toMatch(/training engine per row: baseline onnxruntime, fsq onnxruntime, no-guidance onnxruntime, stage-1b onnxruntime \+ onnxruntime/)

    const mtime = statSync(table.rows[1].checkpoint).mtimeMs
    const second: string[] = []
    const again = await runAblation(options(out, second))
    expect(second.filter((l) => /not retrained/.test(l))).toHaveLength(3)
    expect(second.filter((l) => /not re-evaluated/.test(l))).toHaveLength(4)
    expect(second.some((l) => /: training Stage/.test(l))).toBe(false)
    expect(statSync(table.rows[1].checkpoint).mtimeMs).toBe(mtime)
    expect(again.rows.map((r) => r.metrics)).toEqual(table.rows.map((r) => r.metrics))
  })
})
