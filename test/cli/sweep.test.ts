// `flowmo sweep` end to end through the real bin on the golden tiny-a checkpoint and real photos: the JSON contract
// (one cell per setting), the image grid as PNG files, guidance axes, the file reopened by loadSweep, bad input.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { loadSweep } from '../../src/trainer/sweep/sweep-file'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-cli-'))
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--data', data]

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('flowmo sweep', () => {
  it('writes {"protocol", "cells"} with one cell per setting, the image grid, a progress bar and a table', async () => {
    const out = join(tmp, 'grid.json')
    const images = join(tmp, 'images')
    const r = flowmo('sweep', ...model, '--steps', '2,4', '--rho', '1,4', '--limit', '3', '--out', out, '--images-dir', images, '--grid-images', '2')
    expect(r.code).toBe(0)
    const json = JSON.parse(readFileSync(out, 'utf8'))
    expect(json.protocol).toMatchObject({ dataset: { nImages: 3 }, resolutionPx: 32, sampler: { seed: 0 } })
    expect(json.cells.map((c: { steps: number; rho: number }) => [c.steps, c.rho])).toEqual([[2, 1], [2, 4], [4, 1], [4, 4]])
    for (const c of json.cells) expect(Object.keys(c.metrics)).toEqual(['psnr', 'ssim'])
    const png = join(images, json.cells[3].images[1].file)
    expect(await sharp(png).metadata()).toMatchObject({ width: 32, height: 32, format: 'png' })
    expect(existsSync(join(images, json.images[0].original.file))).toBe(true)
    expect(r.err).toMatch(/sweep \[#+\] 15\/15 /)
    expect(r.out).toMatch(/steps\s+rho\s+cfg\s+interval\s+nfe\s+ms\/img\s+psnr\s+ssim/)
    expect(r.out.match(/\*/g)?.length).toBe(2 + 1) // best psnr, best ssim, and the legend
    expect((await loadSweep(out)).cells).toHaveLength(4)
  }, 60_000)

  it('sweeps guidance scales and intervals, repeated or ;-separated', () => {
    const out = join(tmp, 'cfg.json')
    const r = flowmo('sweep', ...model, '--steps', '2', '--rho', '1', '--cfg', '1,2', '--interval', '.17,1.02;all', '--seed', '3', '--limit', '2', '--out', out)
    expect(r.code).toBe(0)
    const json = JSON.parse(readFileSync(out, 'utf8'))
    expect(json.cells.map((c: { cfg: number; interval: unknown }) => [c.cfg, c.interval])).toEqual([[1, [0.17, 1.02]], [1, null], [2, [0.17, 1.02]], [2, null]])
    expect(json.cells.map((c: { nfe: number }) => c.nfe)).toEqual([2, 2, 3, 4]) // cfg 1: no guidance; cfg 2: at t = 0.5 only (inside σ .17–1.02), or at both steps
    expect(json.protocol.sampler.seed).toBe(3)
    expect(json.cells[0].images).toEqual([]) // no image grid without --images-dir / --inline-images
  }, 60_000)

  it('answers bad input with a usage error', () => {
    const out = ['--out', join(tmp, 'x.json')]
    expect(flowmo('sweep', ...model, '--steps', '2').err).toMatch(/--out is required/)
    expect(flowmo('sweep', ...model, ...out, '--rho', '1,-4')).toMatchObject({ code: 2, err: expect.stringMatching(/--rho values must be positive, got -4/) })
    expect(flowmo('sweep', ...model, ...out, '--steps', '2,,4').err).toMatch(/comma-separated list/)
    expect(flowmo('sweep', ...model, ...out, '--interval', '1.02,.17').err).toMatch(/0 ≤ lo ≤ hi/)
    expect(flowmo('sweep', ...model, ...out, '--metrics', 'psnr,sharpness').err).toMatch(/unknown metric sharpness/)
    expect(existsSync(join(tmp, 'x.json'))).toBe(false)
  }, 60_000)
})
