// Presets follow the reference width arithmetic (state-dict names, shapes, order and counts match the official
// models, built without allocating), config files load in the reference layout, and bad sizes are named.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildConfig, preset, PRESETS } from '../../../src/trainer/model/configs'
import { configFromDocument, loadConfigFile } from '../../../src/trainer/model/config-file'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { numel } from '../../../src/trainer/model/params'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

interface ShapesEntry { state_dict: [string, number[]][]; n_params: number; n_params_encoder: number; n_params_decoder: number }
const shapes = JSON.parse(readFileSync(join(goldenDir(), 'state-dict-shapes.json'), 'utf8')).configs as Record<string, ShapesEntry>

const count = (m: FlowMo, prefix: string) => m.parameters().filter((p) => p.name.startsWith(prefix)).reduce((n, p) => n + numel(p.shape), 0)

describe('presets against the official state dicts', () => {
  it.each([
    ['flowmo-lo', 'FlowMo-Lo'],
    ['flowmo-hi', 'FlowMo-Hi'],
    ['flowmo-small', 'small (README: patch 8, mup_width 4)'],
  ])('%s has exactly the reference names, shapes and order', (name, key) => {
    const model = new FlowMo(preset(name))
    const ours = model.parameters().map((p) => [p.name, [...p.shape]])
    expect(ours).toEqual(shapes[key].state_dict)
    expect(count(model, 'encoder.')).toBe(shapes[key].n_params_encoder)
    expect(count(model, 'decoder.')).toBe(shapes[key].n_params_decoder)
    expect(count(model, '')).toBe(shapes[key].n_params)
  })

  it('uses 8/head_dim attention scales (μP) as the reference', () => {
    const lo = preset('flowmo-lo')
    expect(lo.decoder.attentionScale).toBeCloseTo(8 / 96, 12)
    expect(lo.encoder.attentionScale).toBeCloseTo(0.125, 12)
    expect(lo.decoder.axesDim).toEqual([12, 42, 42])
  })

  it('every preset builds', () => {
    for (const name of Object.keys(PRESETS)) {
      const c = preset(name)
      expect(new FlowMo(c).parameters().length).toBe(2 * 16 + 24 * (c.encoder.depth + c.decoder.depth)) // per stack: time_in, img_in, txt_in, 2 final layers; 24 per block
    }
    expect(preset('tiny-64')).toMatchObject({ imageSize: 64, patchSize: 8, codeLength: 64, contextDim: 12 })
    expect(preset('bench-tiny64')).toMatchObject({ imageSize: 64, patchSize: 4, codeLength: 64, contextDim: 12 })
  })
})

describe('invalid configs fail at construction, naming the values', () => {
  const ok = {
    imageSize: 32, patchSize: 4, codeLength: 16, contextDim: 6, codebookSizeForEntropy: 3,
    encoder: { hiddenSize: 96, numHeads: 6, axesDim: [2, 6, 8], depth: 2 },
    decoder: { hiddenSize: 96, numHeads: 6, axesDim: [2, 6, 8], depth: 2 },
  }
  it.each([
    [{ ...ok, patchSize: 5 }, /image size 32 is not a multiple of patch size 5/],
    [{ ...ok, codebookSizeForEntropy: 4 }, /codebook_size_for_entropy 4 must divide context_dim 6/],
    [{ ...ok, encoder: { ...ok.encoder, numHeads: 5 } }, /encoder hidden size 96 is not divisible by 5 heads/],
    [{ ...ok, decoder: { ...ok.decoder, axesDim: [2, 6, 6] } }, /decoder RoPE axes_dim \[2,6,6\] sum to 14, but head_dim is 16/],
    [{ ...ok, decoder: { ...ok.decoder, axesDim: [3, 6, 7] } }, /RoPE axis dim 3 must be even/],
    [{ ...ok, encoder: { ...ok.encoder, depth: 0 } }, /encoder depth 0/],
  ])('%#', (sizes, message) => {
    expect(() => buildConfig(sizes)).toThrow(message)
  })

  it('the reference width 1 (odd RoPE axes 2,7,7) is rejected as the reference asserts', () => {
    expect(() => configFromDocument({ model: { mup_width: 1, enc_mup_width: 1 } })).toThrow(/RoPE axis dim 7 must be even/)
  })
})

describe('config files', () => {
  it('reads a golden config.json with its derived stack sizes', async () => {
    const cfg = await loadConfigFile(join(goldenDir(), 'tiny-b', 'config.json'))
    expect(cfg.encoder).toMatchObject({ hiddenSize: 64, numHeads: 4, axesDim: [4, 6, 6], depth: 1, txtInDim: 18 })
    expect(cfg.decoder).toMatchObject({ hiddenSize: 128, numHeads: 4, axesDim: [8, 12, 12], depth: 3, txtInDim: 19, attentionScale: 0.25 })
    expect(cfg.sampling).toEqual({ steps: 8, schedule: 'linear', cfg: 1.0, cfgInterval: '(.17,1.02)' })
  })

  it('reads base.yaml-style YAML with overrides on the reference defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowmo-cfg-'))
    const path = join(dir, 'hi.yaml')
    writeFileSync(path, 'model:\n  context_dim: 56\n  codebook_size_for_entropy: 14\ndata:\n  image_size: 256\neval:\n  sampling:\n    sample_steps: 25\n    cfg: 1.5\n')
    const cfg = await loadConfigFile(path)
    expect(new FlowMo(cfg).parameters().map((p) => p.shape)).toEqual(new FlowMo(preset('flowmo-hi')).parameters().map((p) => p.shape))
  })

  it('rejects unparsable and unknown documents clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowmo-cfg-'))
    writeFileSync(join(dir, 'bad.json'), '{ not json')
    await expect(loadConfigFile(join(dir, 'bad.json'))).rejects.toThrow(/cannot parse config/)
    expect(() => configFromDocument({ foo: 1 })).toThrow(/expected a reference config/)
    expect(() => preset('nope')).toThrow(/unknown preset "nope"; presets: flowmo-lo/)
  })
})
