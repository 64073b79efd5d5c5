// Official run folders: TensorBoard event files written by an independent Python writer of the TFRecord and Event
// protobuf formats (below; torch.utils.tensorboard needs the tensorboard package, which Debian's python3-torch lacks)
// are read back tag by tag, point by point; a record still being written is left out, a corrupt CRC is an error;
// `flowmo runs show --json` names every checkpoint file and scalar tag.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { readOfficialRun } from '../../../src/trainer/official/run-folder'
import { openRunFolder, runSample } from '../../../src/trainer/run-control/run-folder'
import { allowRoot } from '../../../src/trainer/files'
import { crc32c } from '../../../src/trainer/official/tfrecord'
import { runTorch } from '../../fixtures/torch/python-torch'
import { writerPy } from '../../fixtures/torch/tb-writer'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-runfolder-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const run = join(dir, 'results', 'exp')

const f32 = (x: number) => Math.fround(x)
const points = (tags: string[], steps: number[], base: number) =>
  steps.flatMap((step) => tags.map((tag, k) => ({ tag, step, wall: 1.7e9 + step, value: base + step / 1000 + k / 7 })))

beforeAll(() => {
  mkdirSync(join(run, 'checkpoints'), { recursive: true })
  copyFileSync(join(goldenDir(), 'tiny-a', 'checkpoint.pth'), join(run, 'checkpoints', '00005000.pth'))
  writeFileSync(join(run, 'checkpoints', '00010000.pth'), readFileSync(join(goldenDir(), 'tiny-a', 'checkpoint.pth')).subarray(0, 4096)) // mid-write
  writeFileSync(join(run, 'config.yaml'), 'global_seed: 0\ndata:\n  image_size: 256\nmodel:\n  context_dim: 56\n  codebook_size_for_entropy: 14\n')
  const tags = ['diffusion_loss', 'debug/original_grad_norm', 'encoder_checksum', 'Steps per sec']
  const spec = [
    { path: join(run, 'events.out.tfevents.1700000000.node1.1.0'), start: 1.7e9, points: points(tags, [100, 200, 300], 1) },
    { path: join(run, 'events.out.tfevents.1700000900.node1.2.0'), start: 1.7e9 + 900,
      points: [...points(tags, [400, 500], 2), { tag: 'val/psnr', step: 500, wall: 1.7e9 + 950, value: 21.25, tensor: true }] },
  ]
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec))
  runTorch(writerPy, [join(dir, 'spec.json')])
})

describe('official run folder', () => {
  it('CRC-32C gives the Castagnoli check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  })

  it('reads every scalar of every event file, by tag and step, with the simple_value and tensor encodings', async () => {
    const r = await readOfficialRun(run)
    expect(Object.keys(r.scalars).sort()).toEqual(['Steps per sec', 'debug/original_grad_norm', 'diffusion_loss', 'encoder_checksum', 'val/psnr'])
    expect(r.scalars.diffusion_loss!.map((p) => p.step)).toEqual([100, 200, 300, 400, 500])
    expect(r.scalars.diffusion_loss!.map((p) => p.value)).toEqual([1.1, 1.2, 1.3, 2.4, 2.5].map(f32))
    expect(r.scalars['Steps per sec']![3]).toEqual({ step: 400, wallTime: 1.7e9 + 400, value: f32(2.4 + 3 / 7) })
    expect(r.scalars['val/psnr']).toEqual([{ step: 500, wallTime: 1.7e9 + 950, value: 21.25 }])
    expect(r.eventFiles.map((f) => [f.records, f.complete])).toEqual([[13, true], [10, true]])
    expect(r.checkpoints.map((c) => [c.step, c.complete])).toEqual([[5000, true], [10000, false]])
    expect(r.config?.model?.contextDim).toBe(56)
  })

  it('a record cut short (the writer is at work) is left out; a flipped byte fails its CRC-32C', async () => {
    const copy = join(dir, 'cut')
    mkdirSync(copy)
    const events = readFileSync(join(run, 'events.out.tfevents.1700000900.node1.2.0'))
    writeFileSync(join(copy, 'events.out.tfevents.1'), events)
    truncateSync(join(copy, 'events.out.tfevents.1'), events.byteLength - 3)
    const cut = await readOfficialRun(copy)
    expect(cut.eventFiles[0]).toMatchObject({ records: 9, complete: false })
    expect(cut.scalars['val/psnr']).toBeUndefined()
    const bad = Buffer.from(events)
    bad[40] ^= 0x01 // inside the second record's data
    writeFileSync(join(copy, 'events.out.tfevents.1'), bad)
    await expect(readOfficialRun(copy)).rejects.toThrow(/events\.out\.tfevents\.1: record at byte \d+: data CRC-32C mismatch/)
  })

  it('flowmo runs show --json names every checkpoint file and every scalar tag', () => {
    const json = join(dir, 'run.json')
    const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'runs', 'show', run, '--json', json], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const doc = JSON.parse(readFileSync(json, 'utf8'))
    expect(doc.checkpoints.map((c: { file: string }) => c.file)).toEqual([join(run, 'checkpoints', '00005000.pth'), join(run, 'checkpoints', '00010000.pth')])
    expect(Object.keys(doc.scalars)).toHaveLength(5)
    expect(r.stdout).toMatch(/diffusion_loss\s+5 points, steps 100–500, last 2\.5000/)
    expect(r.stdout).toMatch(/step\s+10000 .*incomplete/)
  })

  it('opens in the Training section as a run history: losses under our names, watch results as validation and samples', async () => {
    mkdirSync(join(run, 'flowmo-eval', 'samples'), { recursive: true })
    const grid = join(run, 'flowmo-eval', 'samples', 'step-005000.png')
    await sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toFile(grid)
    writeFileSync(join(run, 'flowmo-eval', 'metrics.jsonl'), `${JSON.stringify({ step: 5000, checkpoint: 'x', report: 'y', metrics: { psnr: 21.5, ssim: 0.6 }, evaluatedAt: '' })}\n`)
    await allowRoot(dir) // the engine opens only folders the user chose
    const h = await openRunFolder(run, () => null)
    expect(h.run).toBeNull()
    const steps = h.metrics.filter((m) => m.flow_loss !== undefined)
    expect(steps.map((m) => m.step)).toEqual([100, 200, 300, 400, 500])
    expect(steps[0]).toMatchObject({ flow_loss: f32(1.1), it_s: f32(1.1 + 3 / 7), 'debug/original_grad_norm': f32(1.1 + 1 / 7) })
    expect(h.metrics.filter((m) => m.val_psnr !== undefined)).toEqual([{ step: 5000, val_psnr: 21.5, val_ssim: 0.6 }])
    expect(h.checkpoints).toEqual([{ step: 5000, path: join(run, 'checkpoints', '00005000.pth') }]) // complete ones only
    expect(h.samples).toEqual([{ step: 5000, path: grid }])
    const sample = await runSample(run, 5000) // what the sample slider shows
    expect([sample.path, sample.shape, [...sample.pixels.subarray(0, 3)]]).toEqual([grid, [2, 4, 3], [10, 20, 30]])
  })
})
