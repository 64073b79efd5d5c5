// Baselines and human ratings through TrainerService on the golden tiny-a model: compare FlowMo with codecs at its
// BPP, export a rating folder (and a codecs-only one, sized by the request; one whose title names methods is refused),
// import ratings made with its rater tokens.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { CompareReport, ModelFile, TrainerEvents } from '../../../src/shared/protocol'
import { allowRoot } from '../../../src/trainer/files'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { ratingsFormat, ratingsVersion } from '../../../src/trainer/rating/manifest'
import { TrainerService } from '../../../src/trainer/service'
import { workMs } from '../../fixtures/work-wait'

type Event = { [K in keyof TrainerEvents]: [K, TrainerEvents[K]] }[keyof TrainerEvents]

function engine() {
  const events: Event[] = []
  const emit = <K extends keyof TrainerEvents>(name: K, payload: TrainerEvents[K]) => void events.push([name, payload] as Event)
  const result = async (jobId: string): Promise<unknown> => {
    const [name, payload] = await vi.waitUntil(() => events.find(([n, p]) => (n === 'job:done' || n === 'job:error') && p.jobId === jobId), { timeout: workMs, interval: 20 })
    if (name === 'job:error') throw new Error(`${jobId}: ${(payload as TrainerEvents['job:error']).message}`)
    return (payload as TrainerEvents['job:done']).result
  }
  const progress = (jobId: string) => events.filter(([n, p]) => n === 'job:progress' && p.jobId === jobId).map(([, p]) => p as TrainerEvents['job:progress'])
  return { result, progress, trainer: new TrainerService(emit, 'cpu') }
}

const set = join(goldenDir(), 'tiny-a')
const val = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const model: ModelFile = { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }
const images = ['val64_0000.png', 'val64_0001.png'].map((f) => join(val, f))
let out: string

/** PSNR in dB of two 8-bit images, from its definition. */
function psnr8(a: Uint8Array, b: Uint8Array): number {
  let se = 0
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2
  return 10 * Math.log10((255 * 255) / (se / a.length))
}

beforeAll(async () => {
  for (const root of [set, val]) await allowRoot(root)
  out = await allowRoot(mkdtempSync(join(tmpdir(), 'flowmo-baseline-jobs-')))
})

describe('baseline and rating jobs', () => {
  it('compares FlowMo with JPEG and WebP at its bit rate, with progress over all reconstructions', async () => {
    const { trainer, result, progress } = engine()
    const { jobId } = await trainer.compare({ model, methods: ['flowmo', 'jpeg', 'webp'], images, seed: 0 })
    const report = (await result(jobId)) as CompareReport
    expect(progress(jobId).map((p) => [p.done, p.total])).toEqual([[2, 6], [4, 6], [6, 6]])
    expect(progress(jobId).at(-1)!.message).toBe('webp: 6/6 reconstructions')
    expect(report.imageSizePx).toBe(32)
    expect(report.originals.map((o) => o.pixels.length)).toEqual([32 * 32 * 3, 32 * 32 * 3])
    type Scored = { image: { rgb: Uint8Array }; bpp: number; psnr: number; settings: { bytes?: number } }
    const methods = report.methods as { id: string; meanBpp: number; meanPsnr: number; reconstructions: Scored[] }[]
    expect(methods.map((m) => m.id)).toEqual(['flowmo', 'jpeg', 'webp'])
    for (const m of methods) {
      expect(m.reconstructions).toHaveLength(2)
      const psnrs = m.reconstructions.map((r, i) => psnr8(r.image.rgb, report.originals[i].pixels))
      m.reconstructions.forEach((r, i) => expect(r.psnr).toBeCloseTo(psnrs[i], 6))
      expect(m.meanPsnr).toBeCloseTo((psnrs[0] + psnrs[1]) / 2, 6)
      // FlowMo spends its L × C = 16 × 6 bits on 32 × 32 pixels; a codec its file's bytes
      const bpps = m.reconstructions.map((r) => (m.id === 'flowmo' ? 16 * 6 : r.settings.bytes! * 8) / (32 * 32))
      expect(m.reconstructions.map((r) => r.bpp)).toEqual(bpps)
      expect(m.meanBpp).toBeCloseTo((bpps[0] + bpps[1]) / 2, 12)
    }
  })

  it('compares codecs alone at a given target BPP and image size', async () => {
    const { trainer, result } = engine()
    const { jobId } = await trainer.compare({ methods: ['jpeg'], images, targetBpp: 1, imageSizePx: 48 })
    const report = (await result(jobId)) as CompareReport
    expect([report.imageSizePx, report.targetBpp]).toEqual([48, 1])
    expect(report.originals.map((o) => [o.h, o.w])).toEqual([[48, 48], [48, 48]])
    const [jpeg] = report.methods as { reconstructions: { settings: { bppBelowTarget: number | null; bppAboveTarget: number | null } }[] }[]
    for (const r of jpeg.reconstructions) expect(r.settings.bppBelowTarget! <= 1 && r.settings.bppAboveTarget! >= 1).toBe(true)
  })

  it('adds the asked-for metrics: proxy FID/KID per method, rFID/KID/LPIPS unavailable without their weight files', async () => {
    const { trainer, result } = engine()
    const weightsDir = join(out, 'no-weights')
    mkdirSync(weightsDir)
    const { jobId } = await trainer.compare({ methods: ['jpeg', 'webp'], images, targetBpp: 1, imageSizePx: 32, metrics: ['lpips', 'fid', 'kid', 'fid-proxy', 'kid-proxy'], weightsDir })
    const report = (await result(jobId)) as CompareReport
    expect(Object.keys(report.unavailable).sort()).toEqual(['fid', 'kid', 'lpips_alex', 'lpips_vgg'])
    expect(report.unavailable.fid).toMatch(/pt_inception-2015-12-05-6726825d\.pth/)
    expect(report.warnings.fid_proxy).toMatch(/^2 images ≤ 1280 features/)
    expect(report.networks.map((n) => n.name)).toEqual([expect.stringMatching(/^proxy: MobileNetV2/)])
    for (const m of report.methods as { metrics: Record<string, number>; reconstructions: { lpips?: unknown }[] }[]) {
      expect(Object.keys(m.metrics).sort()).toEqual(['fid_proxy', 'kid_proxy'])
      expect(m.metrics.fid_proxy).toBeGreaterThan(0)
      expect(m.reconstructions[0].lpips).toBeUndefined()
    }
  })

  it('exports a rating folder, then imports ratings made with its rater tokens', async () => {
    const { trainer, result } = engine()
    const exportDir = join(out, 'rating')
    const { jobId } = await trainer.exportRatings({ model, methods: ['flowmo', 'jpeg'], images, out: exportDir, title: 'test' })
    const exported = (await result(jobId)) as { manifest: { exportId: string } }
    expect(existsSync(join(exportDir, 'rater', 'index.html'))).toBe(true)
    type Entry = { image: string; method: string; token: string }
    const { exportId, entries } = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8')) as { exportId: string; entries: Entry[] }
    expect(exportId).toBe(exported.manifest.exportId)
    const tokenOf = (image: string, method: string) => entries.find((e) => e.image === image && e.method === method)!.token
    const ratings = [...new Set(entries.map((e) => e.image))].map((image, trial) => {
      const [f, j] = [tokenOf(image, 'flowmo'), tokenOf(image, 'jpeg')]
      return { trial, image, pair: [j, f], left: f, right: j, side: 'left', choice: f, ms: 1500, flips: 1 }
    })
    const ratingsFile = join(out, 'ratings.json')
    writeFileSync(ratingsFile, JSON.stringify({ format: ratingsFormat, version: ratingsVersion, exportId, sessionId: 's1', rater: 'r', ratings }))
    const imported = await trainer.importRatings({ exportDir, ratings: [ratingsFile], out: join(out, 'report.json') })
    const report = (await result(imported.jobId)) as { methods: { id: string; rank: number; wins: number }[] }
    expect(report.methods.find((m) => m.id === 'flowmo')).toMatchObject({ rank: 1, wins: 2 })
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ exportId })
  })

  it('codecs alone: the image size and target BPP come from the request, no checkpoint', async () => {
    const { trainer, result } = engine()
    const exportDir = join(out, 'codecs')
    const { jobId } = await trainer.exportRatings({ methods: ['jpeg', 'webp'], images, out: exportDir, imageSizePx: 48, targetBpp: 1 })
    const exported = (await result(jobId)) as { manifest: { imageSizePx: number; entries: unknown[] } }
    expect(exported.manifest).toMatchObject({ imageSizePx: 48 })
    expect(exported.manifest.entries.length).toBe(4)
  })

  it('a title that names a method fails the job with one sentence, and nothing is written', async () => {
    const { trainer, result } = engine()
    const exportDir = join(out, 'named')
    const { jobId } = await trainer.exportRatings({ methods: ['jpeg', 'webp'], images, out: exportDir, imageSizePx: 48, targetBpp: 1, title: 'WebP or JPEG?' })
    await expect(result(jobId)).rejects.toThrow('the title names methods (jpeg, webp): raters would see them; choose a neutral title')
    expect([existsSync(exportDir), existsSync(`${exportDir}.partial`)]).toEqual([false, false])
  })
})
