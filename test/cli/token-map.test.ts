// `flowmo token-map` through the real bin on the bundled 64-token tokenizer: the atlas PNG (8 × 8 tiles of 64²), the
// JSON contract (one summary per token, the owner map) and one line per bad input.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { bundledCheckpoint } from '../fixtures/models/second-checkpoint'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-token-map-'))
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8' })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('flowmo token-map', () => {
  it('writes the atlas and one influence summary per token', async () => {
    const [out, json] = [join(tmp, 'map.png'), join(tmp, 'map.json')]
    const r = flowmo('token-map', '--checkpoint', bundledCheckpoint, '--image', join(photos, 'val64_0001.png'), '--out', out, '--json', json, '--steps', '1', '--seed', '2')
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect([report.L, report.imageSizePx, report.replacement, report.seed, report.sampling.steps]).toEqual([64, 64, 'null', 2, 1])
    expect(report.tokens).toHaveLength(64)
    expect(report.tokens.map((t: { token: number }) => t.token)).toEqual(Array.from({ length: 64 }, (_, i) => i))
    for (const t of report.tokens) {
      expect(Object.keys(t).sort()).toEqual(['area', 'centroid', 'deltaPsnr', 'maxAbs', 'meanAbs', 'token'])
      expect(t.meanAbs).toBeLessThanOrEqual(t.maxAbs)
    }
    expect(report.owner).toHaveLength(64 * 64)
    expect(Math.max(...report.owner)).toBeLessThan(64)
    const top = [...report.tokens].sort((a, b) => b.meanAbs - a.meanAbs)[0]
    expect(r.out).toContain(`most influential tokens (mean |Δ|): ${top.token} (`)
    expect(await sharp(out).metadata()).toMatchObject({ width: 8 * 65 - 1, height: 8 * 65 - 1, format: 'png' })
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true })
    const tileMax = (t: number) => { // brightest red channel in token t's tile: the most influential token's tile has the scale's top
      const [y0, x0] = [Math.floor(t / 8) * 65, (t % 8) * 65]
      let m = 0
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) m = Math.max(m, data[((y0 + y) * 519 + x0 + x) * 3])
      return m
    }
    const brightest = [...report.tokens].sort((a, b) => b.maxAbs - a.maxAbs)[0].token
    expect(tileMax(brightest)).toBeGreaterThan(200)
  })

  it('answers bad input with one line', () => {
    const bad = flowmo('token-map', '--checkpoint', bundledCheckpoint, '--image', join(photos, 'val64_0001.png'), '--out', join(tmp, 'x.png'), '--replace', 'zeros')
    expect([bad.code, bad.err.split('\n')[0]]).toEqual([2, "flowmo token-map: --replace expects null, random or image:<file>, got 'zeros'"])
    const missing = flowmo('token-map', '--checkpoint', bundledCheckpoint, '--image', join(tmp, 'none.png'), '--out', join(tmp, 'x.png'))
    expect([missing.code, missing.err.split('\n')[0]]).toEqual([1, `flowmo token-map: error: cannot read image ${join(tmp, 'none.png')}: no such file`])
  })
})
