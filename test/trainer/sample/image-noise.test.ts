// Noise keyed by the image (issue 13): one photo, alone in one folder and third of three in another, gets the same
// reconstruction and the same PSNR/SSIM from the inspector, `flowmo eval`, a sweep and compare (whose FlowMo method
// the rating export shares), on the golden tiny-a checkpoint; noise 'index' follows the position instead.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCompare } from '../../../src/trainer/baselines/run-compare'
import { evaluate } from '../../../src/trainer/eval/evaluate'
import { TfModel } from '../../../src/trainer/inference/tf-model'
import { reconstructImage } from '../../../src/trainer/inspect/reconstruct'
import { samplingConfig } from '../../../src/trainer/inspect/sampling'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { imageIdentity, type NoiseKeying } from '../../../src/trainer/sample/noise'
import { runSweep } from '../../../src/trainer/sweep/run-sweep'
import { fastSampling, hooks, openFixture, tinyA } from '../inspect/fixture'

const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-image-noise-'))
const source = { checkpoint: tinyA.path, config: tinyA.config }
const sampling = samplingConfig(fastSampling)
const seed = 7

/** A folder holding `names` copied from the photo set, under new names sorted in the given order. */
function folder(name: string, names: string[]): string {
  const dir = join(tmp, name)
  mkdirSync(dir)
  names.forEach((n, i) => copyFileSync(join(photos, n), join(dir, `${i}-${n}`)))
  return dir
}
const alone = folder('alone', ['val64_0005.png'])
const third = folder('third', ['val64_0001.png', 'val64_0002.png', 'val64_0005.png'])

/** Per-image [psnr, ssim] from `flowmo eval`'s CSV (tfjs path). */
async function evalRows(dir: string, noise: NoiseKeying = 'image'): Promise<number[][]> {
  const csvPath = join(tmp, `${dir.split('/').pop()}-${noise}.csv`)
  await evaluate({
    source, dataDir: dir, sampling, seed, noise, metrics: ['psnr', 'ssim'], psnr: 'per-image', quantise: 'truncate',
    ssim: 'skimage-default-7x7', batchSize: 2, weightsDir: join(tmp, 'no-weights'), statsCacheDir: null, csvPath, path: 'tfjs',
  })
  return readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((row) => row.split(',').slice(1, 3).map(Number))
}

let inspector: { psnr: number; ssim: number; pixels: Uint8Array }

beforeAll(async () => {
  const { ctx, req } = await openFixture('tfjs')
  const { imageId } = await ctx.images.openPath(join(photos, 'val64_0005.png'))
  const r = await reconstructImage(ctx, { ...req, imageId, seed }, hooks())
  inspector = { psnr: r.psnr, ssim: r.ssim, pixels: r.reconstruction.pixels }
})

describe('noise keyed by the image', () => {
  it('identity: the same for the same 8-bit image however it reached [−1, 1], different for another image', () => {
    const x = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => ((i * 37) % 256) / 127.5 - 1)
    const nudged = x.map((v) => v + 1e-4)
    expect(imageIdentity(nudged)).toBe(imageIdentity(x))
    const other = x.slice()
    other[5] += 2 / 255
    expect(imageIdentity(other)).not.toBe(imageIdentity(x))
    expect(Number.isSafeInteger(imageIdentity(x))).toBe(true)
  })

  it('eval gives the photo the inspector\'s PSNR and SSIM, alone or third in its folder', async () => {
    const [a] = await evalRows(alone)
    const [, , c] = await evalRows(third)
    expect(a).toEqual(c)
    expect(a[0]).toBeCloseTo(inspector.psnr, 10)
    expect(a[1]).toBeCloseTo(inspector.ssim, 10)
  })

  it("with noise 'index' the photo's result follows its position", async () => {
    const [a] = await evalRows(alone, 'index')
    const [, , c] = await evalRows(third, 'index')
    expect(a[0]).not.toBeCloseTo(c[0], 6)
  })

  it('a sweep cell and compare give the same numbers and the same pixels', async () => {
    const grid = { steps: [fastSampling.steps], rho: [fastSampling.rho], cfg: [fastSampling.cfg], interval: [fastSampling.interval] }
    const sweep = await runSweep({ source, dataDir: third, grid, seed, batchSize: 2, weightsDir: join(tmp, 'no-weights'), statsCacheDir: null, path: 'tfjs', inlineImages: true, gridImages: 0 })
    expect(sweep.cells[0].perImage.psnr[2]).toBeCloseTo(inspector.psnr, 10)
    expect(sweep.cells[0].perImage.ssim[2]).toBeCloseTo(inspector.ssim, 10)
    expect(sweep.protocol.sampler.noise).toMatch(/^per image/)
    const compare = await runCompare({
      specs: [{ kind: 'flowmo' }], openModel: () => TfModel.open(source), flowmo: { sampling, seed },
      images: async () => ['0-val64_0001.png', '1-val64_0002.png', '2-val64_0005.png'].map((n) => join(third, n)),
    })
    const rec = compare.methods[0].reconstructions[2]
    expect(Buffer.from(rec.image.rgb).equals(Buffer.from(inspector.pixels))).toBe(true)
  })
})
