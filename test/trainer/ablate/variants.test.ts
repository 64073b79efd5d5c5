// Each ablation variant differs from the baseline in exactly its toggle: in the toggles themselves, and in what they
// turn into — the Stage-1A run options, the model config and the eval sampler (nothing else moves).
import { describe, expect, it } from 'vitest'
import { planRows, type AblationSetup, type RowPlan } from '../../../src/trainer/ablate/plan'
import { BASELINE_TOGGLES, VARIANTS, toggleDiff } from '../../../src/trainer/ablate/variants'
import { explicitSizes } from '../../../src/trainer/model/configs'

const setup: AblationSetup = {
  data: '/d', val: '/v', preset: 'tiny-64', maxSteps: 40, stage1bSteps: 10, seed: 3, batchSize: 4, perceptual: 'proxy',
  evalImages: 8, sampleSteps: 25, out: '/out', engine: 'tfjs',
}

/** Every leaf of a row's plan as dotted paths: run options (but the run folder), config sizes, sampler, 1B run. */
function leaves(row: RowPlan): Map<string, string> {
  const { config, out: _out, ...options } = row.train1a.options
  const out = new Map<string, string>()
  const walk = (prefix: string, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(`${prefix}.${k}`, x)
    else out.set(prefix, JSON.stringify(v))
  }
  walk('options', options)
  walk('config', explicitSizes(config))
  walk('sampling', row.sampling)
  out.set('stage1b', JSON.stringify(row.train1b !== null))
  return out
}

const changed = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort()

/** What each toggle may change in the plan, and nothing more. */
const EXPECTED: Record<string, string[]> = {
  'patch-x2': ['config.patchSize'],
  'mse-encoder': ['options.mseEncoderSteps'],
  'no-perceptual': ['options.perceptualWeight'],
  fsq: ['config.contextDim', 'config.quantizer.kind', 'config.quantizer.levels'], // FSQ's channels follow its levels (same bits)
  'logit-normal': ['options.timeDistribution'],
  'unshifted-sampler': ['sampling.schedule'],
  'no-guidance': ['sampling.cfg', 'sampling.cfgInterval'],
  'stage-1b': ['stage1b'],
  continuous: ['config.quantizer.kind', 'config.quantizer.noiseSync'],
}

describe('ablation variants', () => {
  it('list the baseline and the eight rows of Table 4 first, then Table 5 and Table 3', () => {
    expect(VARIANTS.map((v) => v.table)).toEqual([...new Array(8).fill('Table 4'), 'Table 5', 'Table 3'])
    expect(VARIANTS[0].toggles).toEqual(BASELINE_TOGGLES)
  })

  it('each differs from the baseline in exactly one toggle, and every toggle has a variant', () => {
    const toggles = VARIANTS.slice(1).map((v) => toggleDiff(BASELINE_TOGGLES, v.toggles))
    toggles.forEach((d) => expect(d).toHaveLength(1))
    expect(new Set(toggles.flat())).toEqual(new Set(Object.keys(BASELINE_TOGGLES)))
  })

  it.each(VARIANTS.slice(1).map((v) => v.id))('%s changes only its own part of the run', (id) => {
    const rows = planRows(setup)
    const base = leaves(rows[0])
    const row = rows.find((r) => r.variant.id === id)!
    expect(changed(leaves(row), base)).toEqual(EXPECTED[id].sort())
    const samplingOnly = ['unshifted-sampler', 'no-guidance', 'stage-1b'].includes(id)
    expect(row.train1a.key).toBe(samplingOnly ? 'baseline' : id) // sampler rows and 1B reuse the baseline's 1A run
  })

  it('the Stage-1B row post-trains the baseline: stage 1b, from its last checkpoint, for the 1B steps', () => {
    const row = planRows(setup).find((r) => r.variant.id === 'stage-1b')!
    expect(row.train1b!.options).toMatchObject({ stage: '1b', init: '/out/runs/baseline/checkpoints/step-000040.safetensors', maxSteps: 10, seed: 3 })
  })

  it('auto trains every run on the onnxruntime step graphs (with or without the perceptual term), Stage 1B too; tfjs is asked for', () => {
    const engines = (rows: RowPlan[]) => Object.fromEntries(rows.map((r) => [r.variant.id, [r.train1a, r.train1b].filter((x) => x).map((x) => x!.options.engine)]))
    for (const perceptual of ['proxy', 'none'] as const) {
      const planned = engines(planRows({ ...setup, engine: 'auto', perceptual }))
      for (const v of VARIANTS) expect(planned[v.id], `${v.id}, ${perceptual}`).toEqual(v.id === 'stage-1b' ? ['onnxruntime', 'onnxruntime'] : ['onnxruntime'])
    }
    expect(engines(planRows({ ...setup, engine: 'tfjs' }))).toMatchObject({ baseline: ['tfjs'], 'stage-1b': ['tfjs', 'tfjs'] })
  })
})
