// `flowmo eval` end to end through the real bin on the golden tiny-a checkpoint and real photos: the JSON contract,
// one CSV row per image, resume after the process is killed, `--diff`, a missing Inception file, bad input.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-eval-'))
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--data', data]

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

/** Starts an eval and sends it `signal` once its journal holds `images` image lines; resolves to its exit code and stderr. */
async function interruptedAfter(images: number, args: string[], journal: string, signal: NodeJS.Signals): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['bin/flowmo.mjs', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let sent = false
  let done = false
  void exited.then(() => (done = true))
  while (!done) {
    if (!sent && existsSync(journal) && readFileSync(journal, 'utf8').trim().split('\n').length > images) sent = child.kill(signal)
    await new Promise((r) => setTimeout(r, 10))
  }
  return { code: await exited, err }
}

describe('flowmo eval', () => {
  it('--device webgpu (lavapipe) gives the PSNR of --device cpu within 0.05 dB and records the device', () => {
    const psnr = (device: string) => {
      const json = join(tmp, `device-${device}.json`)
      const r = spawnSync(process.execPath, ['bin/flowmo.mjs', 'eval', '--device', device, ...model, '--n', '4', '--steps', '2', '--metrics', 'psnr', '--json', json], {
        encoding: 'utf8', env: { ...env, XDG_RUNTIME_DIR: tmp },
      })
      expect(r.status, r.stderr).toBe(0)
      const report = readJson(json)
      expect(report.protocol.inference).toMatchObject({ path: 'onnxruntime', device })
      return report.metrics.psnr as number
    }
    expect(Math.abs(psnr('webgpu') - psnr('cpu'))).toBeLessThanOrEqual(0.05)
  })

  it('writes the JSON contract, a CSV row per image, progress and the protocol card', () => {
    const json = join(tmp, 'a.json')
    const csv = join(tmp, 'a.csv')
    const r = flowmo('eval', ...model, '--n', '3', '--steps', '2', '--metrics', 'psnr,ssim', '--json', json, '--csv', csv)
    expect(r.code).toBe(0)
    const report = readJson(json)
    expect(typeof report.metrics.psnr).toBe('number')
    expect(typeof report.metrics.ssim).toBe('number')
    expect(report.protocol).toMatchObject({ dataset: { nImages: 3 }, resolutionPx: 32, quantise: 'truncate', sampler: { steps: 2, rho: 4, cfg: 1.5, seed: 0 } })
    expect(report.details.psnr.convention).toBe('per-image')
    expect(report.details.ssim.variant).toBe('skimage-default-7x7')
    expect(report.codes.bitsPerPixel).toBe((16 * 6) / (32 * 32))
    const rows = readFileSync(csv, 'utf8').trim().split('\n')
    expect(rows).toHaveLength(1 + 3)
    expect(rows[1]).toMatch(/val64_0000\.png,[0-9.]+,[0-9.e-]+$/)
    expect(r.err).toMatch(/eval \[#+\] 3\/3 .* ETA/)
    expect(r.out).toMatch(/PSNR \(mean of per-image, uint8 truncate\)/)
    expect(r.out).toMatch(/sampler\.steps\s+2/)
    expect(existsSync(`${json}.partial.jsonl`)).toBe(false) // removed once the report is written
  })

  it('resumes after the process is killed, to the numbers of an uninterrupted run', async () => {
    const args = (name: string) => ['eval', ...model, '--n', '6', '--batch', '1', '--steps', '2', '--json', join(tmp, `${name}.json`), '--csv', join(tmp, `${name}.csv`)]
    expect(flowmo(...args('whole')).code).toBe(0)
    await interruptedAfter(2, args('killed'), join(tmp, 'killed.json.partial.jsonl'), 'SIGKILL')
    expect(existsSync(join(tmp, 'killed.json'))).toBe(false)
    const r = flowmo(...args('killed'))
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/resuming: [2-5] of 6 images/)
    expect(readJson(join(tmp, 'killed.json')).metrics).toEqual(readJson(join(tmp, 'whole.json')).metrics)
    expect(readFileSync(join(tmp, 'killed.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'whole.csv'), 'utf8'))
  })

  it('stops after the batch in flight on Ctrl-C, keeping the journal', async () => {
    const json = join(tmp, 'ctrl-c.json')
    const args = ['eval', ...model, '--n', '8', '--batch', '1', '--steps', '2', '--json', json]
    const r = await interruptedAfter(1, args, `${json}.partial.jsonl`, 'SIGINT')
    expect(r.code).toBe(130)
    expect(r.err).toMatch(/stopped; the images done so far are in .*ctrl-c\.json\.partial\.jsonl/)
    expect(existsSync(json)).toBe(false)
    expect(readFileSync(`${json}.partial.jsonl`, 'utf8').trim().split('\n').length).toBeGreaterThan(1)
  })

  it('--diff names the sampler fields two reports differ in', () => {
    const run = (name: string, ...extra: string[]) => expect(flowmo('eval', ...model, '--n', '2', '--json', join(tmp, name), ...extra).code).toBe(0)
    run('s2.json', '--steps', '2')
    run('s3.json', '--steps', '3', '--cfg', '1')
    const r = flowmo('eval', '--diff', join(tmp, 's2.json'), join(tmp, 's3.json'))
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/2 protocol fields differ/)
    expect(r.out).toMatch(/sampler\.steps: 2 \(a\) vs 3 \(b\)/)
    expect(r.out).toMatch(/sampler\.cfg: 1\.5 \(a\) vs 1 \(b\)/)
    expect(flowmo('eval', '--diff', join(tmp, 's2.json'), join(tmp, 's2.json')).out).toMatch(/identical/)
  })

  it('says which file rFID needs when the Inception weights are missing', () => {
    const json = join(tmp, 'fid.json')
    const r = flowmo('eval', ...model, '--n', '2', '--steps', '1', '--metrics', 'fid', '--json', json)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/fid: unavailable\. rFID\/KID needs pt_inception-2015-12-05-6726825d\.pth/)
    const report = readJson(json)
    expect(report.metrics.fid).toBeUndefined()
    expect(report.unavailable.fid).toMatch(/pt_inception-2015-12-05-6726825d\.pth/)
  })

  it('labels the offline proxy as proxy, never as rFID, and the batch-pooled PSNR as the reference convention', () => {
    const json = join(tmp, 'proxy.json')
    const r = flowmo('eval', ...model, '--n', '4', '--steps', '1', '--metrics', 'psnr,fid-proxy', '--psnr', 'batch-pooled', '--json', json, '--stats-cache', join(tmp, 'stats'))
    expect(r.code).toBe(0)
    const report = readJson(json)
    expect(Object.keys(report.metrics).sort()).toEqual(['fid_proxy', 'psnr'])
    expect(report.metrics.psnr).toBe(report.details.psnr.batchPooledMean)
    expect(report.protocol.network.name).toMatch(/^proxy: /)
    expect(r.out).toMatch(/FID proxy \(offline MobileNetV2 features; not rFID\/KID\)/)
    expect(r.out).not.toMatch(/rFID \(/)
    expect(r.out).toMatch(/batch-pooled over 5, the reference evaluate\.py convention/)
  })

  it('reads the originals\' features from --stats-cache on a second run; --no-stats-cache neither reads nor writes them', () => {
    const cache = join(tmp, 'stats-cache')
    const args = (name: string, ...extra: string[]) => ['eval', ...model, '--n', '3', '--steps', '1', '--metrics', 'kid-proxy', '--json', join(tmp, name), ...extra]
    const first = flowmo(...args('c1.json', '--stats-cache', cache))
    const second = flowmo(...args('c2.json', '--stats-cache', cache))
    expect(first.err).toMatch(/reference statistics: computed, cached as .*stats-cache\/[0-9a-f]{16}\.npz/)
    expect(second.err).toMatch(/reference statistics: read from the cache, .*stats-cache\/[0-9a-f]{16}\.npz/)
    const [a, b] = [readJson(join(tmp, 'c1.json')), readJson(join(tmp, 'c2.json'))]
    expect(b.metrics.kid_proxy).toBe(a.metrics.kid_proxy)
    expect(b.protocol.referenceStats).toEqual({ ...a.protocol.referenceStats, cached: true })
    expect(second.out).toMatch(/referenceStats\.cached\s+true/)
    expect(flowmo('eval', '--diff', join(tmp, 'c1.json'), join(tmp, 'c2.json')).out.trim()).toMatch(/1 protocol field differs:\n  referenceStats\.cached: false \(a\) vs true \(b\)$/)
    const off = flowmo(...args('c3.json', '--no-stats-cache'))
    expect(off.err).not.toMatch(/reference statistics/)
    expect(readJson(join(tmp, 'c3.json')).protocol.referenceStats).toEqual({ cached: false, key: a.protocol.referenceStats.key, file: null })
    expect(flowmo(...args('c4.json', '--no-stats-cache', '--stats-cache', cache)).err).toMatch(/--stats-cache and --no-stats-cache exclude each other/)
  })

  it('answers bad input with one clear line', () => {
    expect(flowmo('eval', ...model, '--metrics', 'psnr,bogus')).toMatchObject({ code: 2 })
    expect(flowmo('eval', ...model, '--metrics', 'psnr,bogus').err).toMatch(/unknown metric bogus/)
    expect(flowmo('eval', ...model, '--psnr', 'pooled').err).toMatch(/--psnr expects per-image or batch-pooled/)
    expect(flowmo('eval', '--checkpoint', join(set, 'checkpoint.pth')).err).toMatch(/--data is required/)
    expect(flowmo('eval', '--diff', join(tmp, 'missing.json')).err).toMatch(/--diff takes two report files/)
  })
})
