// `flowmo ablate` argument checks through the real bin: missing options, an unknown variant or preset fail with one
// line and exit 2 before anything is written (the command itself is covered by test/trainer/ablate/).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const out = join(mkdtempSync(join(tmpdir(), 'flowmo-ablate-')), 'out')
const flowmo = (...args: string[]) => spawnSync(process.execPath, ['bin/flowmo.mjs', 'ablate', ...args], { encoding: 'utf8' })
const base = ['--data', '.', '--val', '.', '--preset', 'tiny-64', '--max-steps', '2', '--out', out]

describe('flowmo ablate', () => {
  it('refuses missing options, unknown variants and presets with one line, writing nothing', () => {
    const missing = flowmo('--data', '.', '--preset', 'tiny-64', '--max-steps', '2', '--out', out)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/--val is required/)
    const variant = flowmo(...base, '--variants', 'fsq,vq')
    expect(variant.status).not.toBe(0)
    expect(variant.stderr).toMatch(/unknown variant "vq"; variants: baseline, patch-x2, mse-encoder, no-perceptual, fsq, logit-normal, unshifted-sampler, no-guidance, stage-1b, continuous/)
    const preset = flowmo(...base.map((a) => (a === 'tiny-64' ? 'tiny-65' : a)))
    expect(preset.status).not.toBe(0)
    expect(preset.stderr).toMatch(/unknown preset "tiny-65"/)
    const engine = flowmo(...base, '--engine', 'cuda')
    expect(engine.status).toBe(2)
    expect(engine.stderr).toMatch(/--engine expects auto \| tfjs \| onnxruntime, got 'cuda'/)
    expect(existsSync(out)).toBe(false)
  })
})
