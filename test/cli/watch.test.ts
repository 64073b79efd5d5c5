// `flowmo watch --once` on an official run folder (a .pth and config.yaml written by flowmo convert from the golden
// tiny-a checkpoint): a complete checkpoint is evaluated, one still being written waits; once it is complete the next
// look evaluates only it — with the same numbers, being the same weights — and metrics.jsonl gains one line. Each
// evaluated checkpoint gets its sample grid, whose reconstruction row equals `flowmo reconstruct` of the first
// validation images with that checkpoint and seed.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { convertToPth, convertToSafetensors } from '../../src/trainer/official/convert'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-watch-'))
const run = join(tmp, 'results', 'exp')
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights'), FLOWMO_CACHE_DIR: join(tmp, 'cache') }
const SEED = '3'

function watchOnce(): { code: number; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'watch', run, '--val', data, '--n', '3', '--steps', '2', '--seed', SEED, '--samples', '2', '--once'], { encoding: 'utf8', env })
  return { code: r.status ?? -1, err: r.stderr }
}

const rgb = async (png: string) => (await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true }))

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
    expect(lines.map((l) => l.sample)).toEqual([100, 200].map((s) => join(run, 'flowmo-eval', 'samples', `step-000${s}.png`)))
    const first2 = ['val64_0000.png', 'val64_0001.png'].map((f) => join(data, f)) // the first images of the sorted set
    const direct = spawnSync(process.execPath, ['bin/flowmo.mjs', 'reconstruct', '--checkpoint', first, '--config', join(run, 'config.yaml'),
      ...first2.flatMap((p) => ['--image', p]), '--steps', '2', '--seed', SEED, '--out', join(tmp, 'direct')], { encoding: 'utf8', env })
    expect(direct.status, direct.stderr).toBe(0)
    for (const l of lines) {
      expect(existsSync(l.sample)).toBe(true)
      const grid = await rgb(l.sample)
      const S = 32 // tiny-a's image size
      expect([grid.info.width, grid.info.height]).toEqual([2 * S, 2 * S]) // 2 images; originals over reconstructions
      for (const [i, f] of ['val64_0000', 'val64_0001'].entries()) {
        const recon = await sharp(l.sample).extract({ left: i * S, top: S, width: S, height: S }).removeAlpha().raw().toBuffer()
        expect(Buffer.compare(recon, (await rgb(join(tmp, 'direct', `${f}.png`))).data), `${l.sample} image ${i}`).toBe(0)
      }
    }
  })
})
