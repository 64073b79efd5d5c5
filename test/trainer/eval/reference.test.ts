// evaluate() with the reference-statistics cache, on the golden tiny-a checkpoint, real photos and the offline proxy
// network: a second run reads the originals' features from the cache (same FID/KID exactly, the card says so), a
// changed image or a damaged file means recomputing, the cache can be switched off, and a resumed run whose cache
// entry vanished computes the originals' features itself.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { evaluate, type EvalOptions } from '../../../src/trainer/eval/evaluate'
import type { MetricName } from '../../../src/trainer/eval/networks'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

process.env.FLOWMO_BACKEND = 'wasm'
const set = join(goldenDir(), 'tiny-a')
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const work = mkdtempSync(join(tmpdir(), 'flowmo-eval-reference-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A folder holding three of the photos, under names of its own. */
function dataFolder(name: string): string {
  const dir = join(work, name)
  mkdirSync(dir)
  for (const i of [0, 1, 2]) copyFileSync(join(photos, `val64_000${i}.png`), join(dir, `img${i}.png`))
  return dir
}

async function run(dataDir: string, metrics: MetricName[], extra: Partial<EvalOptions> = {}) {
  const notices: string[] = []
  const outcome = await evaluate({
    source: { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }, dataDir, sampling: { steps: 2 }, seed: 0, metrics,
    psnr: 'per-image', quantise: 'truncate', ssim: 'skimage-default-7x7', batchSize: 2, path: 'tfjs', statsCacheDir: join(work, 'cache'),
    onNotice: (line) => notices.push(line), ...extra,
  })
  return { report: outcome.report, notices: notices.filter((l) => l.startsWith('reference statistics')) }
}

describe('evaluate with the reference-statistics cache', () => {
  it('reads the originals\' features from the cache on a second run: the same FID and KID, the card says cached', async () => {
    const data = dataFolder('same')
    const first = await run(data, ['fid-proxy', 'kid-proxy'])
    const second = await run(data, ['fid-proxy', 'kid-proxy'])
    const use = first.report!.protocol.referenceStats!
    expect(use.cached).toBe(false)
    expect(first.notices).toEqual([`reference statistics: computed, cached as ${use.file}`])
    expect(second.report!.protocol.referenceStats).toEqual({ ...use, cached: true })
    expect(second.notices).toEqual([`reference statistics: read from the cache, ${use.file}`])
    expect(second.report!.metrics.fid_proxy).toBe(first.report!.metrics.fid_proxy)
    expect(second.report!.metrics.kid_proxy).toBe(first.report!.metrics.kid_proxy)
    expect(first.report!.metrics.fid_proxy).toBeGreaterThan(0)
  })

  it('recomputes for a changed image, a damaged file, and not at all with the cache off', async () => {
    const data = dataFolder('changed')
    const first = await run(data, ['kid-proxy'])
    copyFileSync(join(photos, 'val64_0009.png'), join(data, 'img1.png'))
    utimesSync(join(data, 'img1.png'), new Date(), new Date(Date.now() + 5000)) // a new mtime even within the same millisecond
    const changed = await run(data, ['kid-proxy'])
    expect(changed.report!.protocol.referenceStats!.cached).toBe(false)
    expect(changed.report!.protocol.referenceStats!.key).not.toBe(first.report!.protocol.referenceStats!.key)
    expect(changed.report!.metrics.kid_proxy).not.toBe(first.report!.metrics.kid_proxy)
    const file = changed.report!.protocol.referenceStats!.file!
    writeFileSync(file, 'damaged')
    const damaged = await run(data, ['kid-proxy'])
    expect(damaged.notices[0]).toBe(`reference statistics: ignoring ${file}: not a zip file (no end-of-central-directory record); recomputing`)
    expect(damaged.report!.protocol.referenceStats!.cached).toBe(false)
    expect(damaged.report!.metrics.kid_proxy).toBe(changed.report!.metrics.kid_proxy)
    const off = await run(data, ['kid-proxy'], { statsCacheDir: null })
    expect(off.report!.protocol.referenceStats).toEqual({ cached: false, key: changed.report!.protocol.referenceStats!.key, file: null })
    expect(off.notices).toEqual([])
    expect(off.report!.metrics.kid_proxy).toBe(changed.report!.metrics.kid_proxy)
  })

  it('resumes a run begun on a cache hit after its cache entry vanished, computing the originals\' features', async () => {
    const data = dataFolder('vanished')
    const whole = await run(data, ['kid-proxy'])
    const cacheDir = join(work, 'cache')
    const stop = new AbortController()
    const jsonPath = join(work, 'vanished.json')
    const cut = await run(data, ['kid-proxy'], { jsonPath, signal: stop.signal, onProgress: (done) => done >= 2 && stop.abort() })
    expect(cut.report).toBeNull()
    expect(cut.notices[0]).toMatch(/read from the cache/)
    for (const f of readdirSync(cacheDir)) rmSync(join(cacheDir, f))
    const resumed = await run(data, ['kid-proxy'], { jsonPath })
    expect(resumed.notices[0]).toMatch(/no longer cached; computing them$/)
    expect(resumed.report!.metrics.kid_proxy).toBe(whole.report!.metrics.kid_proxy)
    expect(resumed.report!.protocol.referenceStats!.cached).toBe(false)
  })
})
