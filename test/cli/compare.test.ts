// `flowmo compare` end to end through the real bin: the golden tiny-a model against JPEG and WebP on real photos (the
// out folder, report.json, per-image.csv, the table, proxy FID labelled proxy), codecs alone, an ONNX tokenizer, bad input.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { writeTinyTokenizer } from '../fixtures/baselines/tiny-tokenizer'
import { bundledCheckpoint, writeSecondCheckpoint } from '../fixtures/models/second-checkpoint'

const set = join(goldenDir(), 'tiny-a')
const data = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const photos = ['val64_0000.png', 'val64_0001.png'].map((f) => join(data, f))
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-compare-cli-'))
const env = { ...process.env, FLOWMO_BACKEND: 'wasm', FLOWMO_WEIGHTS_DIR: join(tmp, 'no-weights') }
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json')]

function flowmo(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8', env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

type Rec = { image: string; file: string; bpp: number; psnr: number; settings: Record<string, number | string | boolean | null> }
type MethodJson = { id: string; settings: Record<string, unknown>; nominalBpp: number; meanBpp: number; metrics: Record<string, number>; reconstructions: Rec[] }
const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
const csvRows = (dir: string) => readFileSync(join(dir, 'per-image.csv'), 'utf8').trim().split('\n')

/** A codec's actual BPP lies in the bracket its rate search reports (one side open when the target is out of reach). */
function expectInBracket(r: Rec): void {
  const [below, above] = [r.settings.bppBelowTarget as number | null, r.settings.bppAboveTarget as number | null]
  expect(below !== null || above !== null).toBe(true)
  if (below !== null) expect(r.bpp).toBeGreaterThanOrEqual(below)
  if (above !== null) expect(r.bpp).toBeLessThanOrEqual(above)
  expect([below, above]).toContain(r.bpp) // the chosen file is the closer side
}

describe('flowmo compare', () => {
  it('compares FlowMo with JPEG and WebP: PNGs, report.json, per-image.csv, a table; proxy FID keyed and shown as proxy', async () => {
    const out = join(tmp, 'tiny-a')
    const sampler = ['--steps', '2', '--cfg', '1', '--seed', '3']
    const r = flowmo('compare', ...model, ...sampler, '--methods', 'flowmo,jpeg,webp', ...photos, '--metrics', 'psnr,ssim,fid-proxy,kid-proxy', '--out', out)
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/^inference path: onnxruntime \(cpu; export /m) // FlowMo runs on onnxruntime at any size, not in tfjs
    const report = readReport(out)
    expect(report).toMatchObject({ format: 'flowmo-compare', imageSizePx: 32, protocol: { images: [{ id: 'val64_0000' }, { id: 'val64_0001' }], backend: 'wasm' } })
    const methods = report.methods as MethodJson[]
    expect(methods.map((m) => m.id)).toEqual(['flowmo', 'jpeg', 'webp'])
    expect(report.targetBpp).toBe(methods[0].nominalBpp)
    expect(methods[0]).toMatchObject({ settings: { steps: 2, cfg: 1, seed: 3 }, reconstructions: [{ settings: { nfe: 2 } }, { settings: { nfe: 2 } }] })
    for (const rec of methods[0].reconstructions) expect(rec.bpp).toBe(methods[0].nominalBpp)
    for (const rec of [...methods[1].reconstructions, ...methods[2].reconstructions]) expectInBracket(rec)
    for (const m of methods) {
      expect(Object.keys(m.metrics).sort()).toEqual(['fid_proxy', 'kid_proxy'])
      for (const rec of m.reconstructions) expect(await sharp(join(out, rec.file)).metadata()).toMatchObject({ width: 32, height: 32, format: 'png' })
    }
    expect(existsSync(join(out, 'originals', 'val64_0001.png'))).toBe(true)
    expect(report.warnings.fid_proxy).toMatch(/^2 images ≤ 1280 features/)
    const rows = csvRows(out)
    expect(rows[0]).toBe('image,path,method,bpp,quality,settings,psnr,ssim')
    expect(rows.slice(1).map((row) => row.split(',')).map((f) => [f[0], f[2]])).toEqual(
      ['flowmo', 'jpeg', 'webp'].flatMap((m) => [['val64_0000', m], ['val64_0001', m]]))
    expect(r.out.split('\n')[0].trim().split(/\s{2,}/)).toEqual(['method', 'stated bpp', 'bpp', 'psnr', 'ssim', 'proxy FID', 'proxy KID'])
    expect(r.out).toMatch(/proxy FID\/KID: offline MobileNetV2/)
    expect(r.out.split('\n').filter((l) => /^(flowmo|jpeg|webp) /.test(l))).toHaveLength(3)
    expect(r.err).toMatch(/comparing 2 images × 3 methods \(flowmo, jpeg, webp\) at 32px, codec target/)
    expect(r.err).toMatch(/compare \[#+\] 6\/6 [\d.]+ img\/s .*webp\n/) // images × methods
  })

  it('compares two FlowMo checkpoints and JPEG: one report entry per method, each checkpoint under its label', async () => {
    const out = join(tmp, 'two-checkpoints')
    const second = join(tmp, 'step-2.safetensors')
    await writeSecondCheckpoint(second)
    const r = flowmo('compare', '--methods', `flowmo:bundled=${bundledCheckpoint},flowmo:${second},jpeg`, '--steps', '2', '--seed', '1', photos[0], '--out', out)
    expect(r.code, r.err).toBe(0)
    const report = readReport(out)
    const methods = report.methods as (MethodJson & { label: string })[]
    expect(methods.map((m) => m.id)).toEqual(['flowmo-bundled', 'flowmo-step-2', 'jpeg'])
    expect(methods.map((m) => m.label.split(' (')[0])).toEqual(['FlowMo bundled', 'FlowMo step-2', 'JPEG near the target bit rate'])
    expect(methods.map((m) => m.settings.checkpoint)).toEqual([bundledCheckpoint, second, undefined])
    expect(report.imageSizePx).toBe(64)
    expect(report.targetBpp).toBe(methods[0].nominalBpp) // codecs matched to the first checkpoint
    const [a, b] = [methods[0], methods[1]].map((m) => readFileSync(join(out, m.reconstructions[0].file)))
    expect(a.equals(b)).toBe(false) // the scaled decoder weight changes the picture
    expect(csvRows(out).slice(1).map((row) => row.split(',')[2])).toEqual(['flowmo-bundled', 'flowmo-step-2', 'jpeg'])
    expect(r.err.match(/^inference path: /gm)).toHaveLength(2) // each model says how it runs
  })

  it('compares codecs alone from a folder at --bpp 1 and --size 64', async () => {
    const out = join(tmp, 'codecs')
    const r = flowmo('compare', '--methods', 'jpeg,webp', '--data', data, '--limit', '2', '--bpp', '1', '--size', '64', '--out', out)
    expect(r.code).toBe(0)
    const report = readReport(out)
    expect([report.imageSizePx, report.targetBpp, report.protocol.checkpoint, report.protocol.backend]).toEqual([64, 1, null, null])
    for (const m of report.methods as MethodJson[]) {
      expect(m.nominalBpp).toBe(1)
      for (const rec of m.reconstructions) {
        expectInBracket(rec)
        expect(rec.settings.bppBelowTarget).toBeLessThanOrEqual(1) // 1 bpp is within every codec's reach at 64²
        expect(rec.settings.bppAboveTarget).toBeGreaterThanOrEqual(1)
      }
    }
    expect(await sharp(join(out, 'webp', 'val64_0001.png')).metadata()).toMatchObject({ width: 64, height: 64 })
    expect(csvRows(out)).toHaveLength(1 + 2 * 2)
    expect(r.out).toMatch(/2 images at 64px, codec target 1\.0000 bpp/)
  })

  it('takes an ONNX tokenizer folder as a method; its size and BPP set the codecs\'', async () => {
    const dir = join(tmp, 'tiny-tokenizer')
    await writeTinyTokenizer(dir)
    const out = join(tmp, 'onnx')
    const r = flowmo('compare', '--methods', `onnx:${dir},avif`, photos[0], '--out', out)
    expect(r.code).toBe(0)
    const report = readReport(out)
    expect([report.imageSizePx, report.targetBpp]).toEqual([32, 0.1875]) // 48 tokens × 4 bits / 32²
    expect((report.methods as MethodJson[]).map((m) => m.id)).toEqual(['onnx-tiny-avgpool8-q16', 'avif'])
    expect(csvRows(out)).toHaveLength(1 + 2)
  })

  it('refuses a missing flowmo:<checkpoint> and two checkpoints of one label', () => {
    const missing = flowmo('compare', '--methods', `flowmo:${join(tmp, 'none.pth')},jpeg`, photos[0], '--out', join(tmp, 'x1'))
    expect([missing.code, missing.err.split('\n')[0]]).toEqual([1, `flowmo compare: error: checkpoint ${join(tmp, 'none.pth')} does not exist`])
    const twice = flowmo('compare', '--methods', `flowmo:${bundledCheckpoint},flowmo:${bundledCheckpoint}`, photos[0], '--out', join(tmp, 'x2'))
    expect(twice.code).toBe(2)
    expect(twice.err).toMatch(/method 'flowmo-photo-64' is listed twice: give each checkpoint its own label/)
  })

  it('answers bad input with one line (exit code 2; a missing image: 1), before writing anything', () => {
    const out = join(tmp, 'bad')
    const codecs = ['--data', data, '--bpp', '1', '--size', '64', '--out', out]
    const first = (r: { err: string }) => r.err.split('\n')[0]
    const bad = flowmo('compare', '--methods', 'jpeg,png', ...codecs)
    expect(bad.code).toBe(2)
    expect(first(bad)).toBe("flowmo compare: unknown method 'png' (methods: flowmo, flowmo:[<label>=]<checkpoint>, jpeg, webp, avif, onnx:<tokenizer folder>)")
    expect(flowmo('compare', '--methods', 'flowmo,jpeg', ...codecs)).toMatchObject({ code: 2, err: expect.stringMatching(/the method flowmo needs --checkpoint/) })
    expect(flowmo('compare', '--methods', 'jpeg', '--data', data, '--out', out)).toMatchObject({ code: 2, err: expect.stringMatching(/codecs alone need --size/) })
    expect(flowmo('compare', '--methods', 'jpeg', '--metrics', 'fid,sharpness', ...codecs).err).toMatch(/unknown metric sharpness/)
    expect(flowmo('compare', '--methods', 'jpeg', ...codecs, photos[0]).err).toMatch(/give --data <dir> or image files, not both/)
    expect(flowmo('compare', '--methods', 'jpeg', '--data', data).err).toMatch(/--out is required/)
    const missing = join(tmp, 'missing.png')
    expect(flowmo('compare', '--methods', 'jpeg', '--bpp', '1', '--size', '32', missing, '--out', out)).toMatchObject({ code: 1, err: `flowmo compare: error: ${missing} does not exist\n` })
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a non-empty --out folder unless --force', () => {
    const out = join(tmp, 'taken')
    mkdirSync(out)
    writeFileSync(join(out, 'notes.txt'), 'mine')
    const args = ['compare', '--methods', 'jpeg', photos[0], '--bpp', '1', '--size', '32', '--out', out]
    expect(flowmo(...args)).toMatchObject({ code: 2, err: expect.stringMatching(/--out .* is not empty; choose another folder or give --force/) })
    expect(existsSync(join(out, 'report.json'))).toBe(false)
    expect(flowmo(...args, '--force').code).toBe(0)
    expect(readReport(out).methods).toHaveLength(1)
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine')
  })
})
