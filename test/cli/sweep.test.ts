// `flowmo sweep` end to end through the real bin on the golden tiny-a checkpoint and real photos: the JSON contract
// (one cell per setting), the image grid as PNG files, guidance axes, the file reopened by loadSweep, bad input, and
// resuming from the journal after Ctrl-C or a killed process (the same cells, to the last bit, as an uninterrupted run).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { loadSweep } from '../../src/trainer/sweep/sweep-file'
import { partialDir } from '../../src/trainer/sweep/sweep-journal'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-cli-'))
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--data', data]

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

/** Runs flowmo until its stderr shows `cells` newly scored cells, then sends `signal`; resolves with its exit and stderr. */
function flowmoUntilCells(cells: number, signal: NodeJS.Signals, ...args: string[]): Promise<{ code: number | null; signal: string | null; err: string }> {
  const child = spawn(process.execPath, ['bin/flowmo.mjs', ...args], { env })
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
    if ((err.match(/^cell \d+ scored/gm)?.length ?? 0) >= cells && child.exitCode === null && !child.killed) child.kill(signal)
  })
  return new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig, err })))
}

/** A sweep file's text without its measured fields (time per cell and totals), which differ from run to run. */
const untimed = (file: string): string => {
  const json = JSON.parse(readFileSync(file, 'utf8'))
  return JSON.stringify({ ...json, timing: null, cells: json.cells.map((c: object) => ({ ...c, timeMsPerImage: 0 })) })
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
  })

  it('sweeps guidance scales and intervals, repeated or ;-separated', () => {
    const out = join(tmp, 'cfg.json')
    const r = flowmo('sweep', ...model, '--steps', '2', '--rho', '1', '--cfg', '1,2', '--interval', '.17,1.02;all', '--seed', '3', '--limit', '2', '--out', out)
    expect(r.code).toBe(0)
    const json = JSON.parse(readFileSync(out, 'utf8'))
    expect(json.cells.map((c: { cfg: number; interval: unknown }) => [c.cfg, c.interval])).toEqual([[1, [0.17, 1.02]], [1, null], [2, [0.17, 1.02]], [2, null]])
    expect(json.cells.map((c: { nfe: number }) => c.nfe)).toEqual([2, 2, 3, 4]) // cfg 1: no guidance; cfg 2: at t = 0.5 only (inside σ .17–1.02), or at both steps
    expect(json.protocol.sampler.seed).toBe(3)
    expect(json.cells[0].images).toEqual([]) // no image grid without --images-dir / --inline-images
  })

  it('answers bad input with a usage error', () => {
    const out = ['--out', join(tmp, 'x.json')]
    expect(flowmo('sweep', ...model, '--steps', '2').err).toMatch(/--out is required/)
    expect(flowmo('sweep', ...model, ...out, '--rho', '1,-4')).toMatchObject({ code: 2, err: expect.stringMatching(/--rho values must be positive, got -4/) })
    expect(flowmo('sweep', ...model, ...out, '--steps', '2,,4').err).toMatch(/comma-separated list/)
    expect(flowmo('sweep', ...model, ...out, '--interval', '1.02,.17').err).toMatch(/0 ≤ lo ≤ hi/)
    expect(flowmo('sweep', ...model, ...out, '--metrics', 'psnr,sharpness').err).toMatch(/unknown metric sharpness/)
    expect(existsSync(join(tmp, 'x.json'))).toBe(false)
  })

  it('resumes after Ctrl-C and after a killed process: the same cells and metrics as an uninterrupted run', async () => {
    // 40–80 steps: a cell takes a few hundred ms, so the signal lands long before the sweep could end
    const grid = ['--steps', '40,80', '--rho', '1,4', '--limit', '3', '--batch', '2', '--inline-images', '--grid-images', '2']
    const out = join(tmp, 'resumed.json')
    const stopped = await flowmoUntilCells(1, 'SIGINT', 'sweep', ...model, ...grid, '--out', out)
    expect(stopped.code).toBe(130)
    expect(stopped.err).toMatch(/stopped after [1-3] of 4 cells; they are kept in .*resumed\.json\.partial: run the same command again to resume/)
    const killed = await flowmoUntilCells(1, 'SIGKILL', 'sweep', ...model, ...grid, '--out', out)
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.err).toMatch(/resuming: [1-3] of 4 cells already scored/)
    expect(existsSync(out)).toBe(false)
    const other = flowmo('sweep', ...model, ...grid, '--seed', '1', '--out', out)
    expect(other.err).toMatch(/protocol\.sampler\.seed: 0 → 1.*to start over delete .*resumed\.json\.partial, or choose another output file/)
    const resumed = flowmo('sweep', ...model, ...grid, '--out', out)
    expect(resumed.code).toBe(0)
    const journalled = Number(/resuming: (\d) of 4 cells already scored/.exec(resumed.err)?.[1])
    expect(journalled).toBeGreaterThanOrEqual(2) // one cell at least from each interrupted run
    expect(resumed.err.match(/^cell \d scored/gm)).toHaveLength(4 - journalled)
    expect(existsSync(partialDir(out))).toBe(false)
    const fresh = join(tmp, 'fresh.json')
    expect(flowmo('sweep', ...model, ...grid, '--out', fresh).code).toBe(0)
    expect(untimed(out)).toBe(untimed(fresh)) // PSNR/SSIM per cell and image, NFE and image grid PNGs, bit for bit
  })
})
