// `flowmo watch --once` on an official run folder (a .pth and config.yaml written by flowmo convert from the golden
// tiny-a checkpoint): a complete checkpoint is evaluated, one still being written waits; once it is complete the next
// look evaluates only it — with the same numbers, being the same weights — and metrics.jsonl gains one line.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { convertToPth, convertToSafetensors } from '../../src/trainer/official/convert'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-watch-'))
const run = join(tmp, 'results', 'exp')
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }

function watchOnce(): { code: number; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'watch', run, '--val', data, '--n', '3', '--steps', '2', '--once'], { encoding: 'utf8', env })
  return { code: r.status ?? -1, err: r.stderr }
}

const log = () => readFileSync(join(run, 'flowmo-eval', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))

describe('flowmo watch', () => {
  it('evaluates complete checkpoints once each, waiting for one still being written', async () => {
    await convertToSafetensors({ checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json'), out: join(tmp, 'a.safetensors') })
    const first = join(run, 'checkpoints', '00000100.pth')
    await convertToPth({ checkpoint: join(tmp, 'a.safetensors'), out: first })
    writeFileSync(join(run, 'checkpoints', '00000200.pth'), readFileSync(first).subarray(0, 5000)) // mid-write
    const a = watchOnce()
    expect(a.code, a.err).toBe(0)
    expect(a.err).toMatch(/step 200: .*00000200\.pth is still being written; waiting/)
    const [one] = log()
    expect(log()).toHaveLength(1)
    expect(one.step).toBe(100)
    expect(Object.keys(one.metrics)).toEqual(['psnr', 'ssim'])
    expect(JSON.parse(readFileSync(one.report, 'utf8')).metrics).toEqual(one.metrics)
    copyFileSync(first, join(run, 'checkpoints', '00000200.pth')) // the write finished
    const b = watchOnce()
    expect(b.code, b.err).toBe(0)
    expect(b.err).not.toMatch(/step 100: evaluating/)
    const lines = log()
    expect(lines.map((l) => l.step)).toEqual([100, 200])
    expect(lines[1].metrics).toEqual(one.metrics)
  }, 120_000)
})
