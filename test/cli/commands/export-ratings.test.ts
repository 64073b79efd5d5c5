// `flowmo export-ratings` and `flowmo import-ratings` through the real bin: a codec against the fixture ONNX tokenizer
// (no tfjs needed) and codecs alone at --size, then ratings made with the rater tokens read back (a foreign file
// refused); usage errors exit 2 with one line, a title naming methods exits 1.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { parseManifest, ratingsFormat, ratingsVersion } from '../../../src/trainer/rating/manifest'
import { writeTinyTokenizer } from '../../fixtures/baselines/tiny-tokenizer'
import { bundledCheckpoint, writeSecondCheckpoint } from '../../fixtures/models/second-checkpoint'

const bin = fileURLToPath(new URL('../../../bin/flowmo.mjs', import.meta.url))
const photos = fileURLToPath(new URL('../../fixtures/images/pipeline/', import.meta.url))
let dir: string

function flowmo(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 240_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-ratings-'))
  await writeTinyTokenizer(join(dir, 'tok'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('flowmo export-ratings / import-ratings', () => {
  it('exports a codec beside an ONNX tokenizer at its rate, then aggregates ratings of that export', async () => {
    const out = join(dir, 'export')
    const exp = flowmo(['export-ratings', '--data', photos, '--methods', `jpeg,onnx:${join(dir, 'tok')}`, '--limit', '3', '--out', out])
    expect(exp.stderr).toContain('exporting 3 images × 2 methods (jpeg, onnx-tiny-avgpool8-q16) at 32px, codec target 0.1875 bpp')
    expect(exp.code).toBe(0)
    expect(exp.stdout).toContain(`wrote ${out}: 9 files made, 0 kept`)
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest')
    expect(m.entries.length).toBe(6)
    expect(exp.stdout).toContain(`hand out only ${join(out, 'rater')}/ to raters`)
    expect((await readdir(out)).sort()).toEqual(['manifest.csv', 'manifest.json', 'originals', 'rater', 'recon'])
    const tok = 'onnx-tiny-avgpool8-q16'
    const tokenOf = (image: string, method: string) => m.entries.find((e) => e.image === image && e.method === method)!.token
    const ratings = m.images.map((img, trial) => {
      const [j, o] = [tokenOf(img.id, 'jpeg'), tokenOf(img.id, tok)]
      return { trial, image: img.id, pair: [o, j], left: j, right: o, side: 'left', choice: j, ms: 100 + 1000 * trial, flips: 1 }
    })
    const file = (name: string, exportId: string) => writeFile(join(dir, name), JSON.stringify({ format: ratingsFormat, version: ratingsVersion, exportId, sessionId: 's', rater: 'a', ratings }))
    await file('r.json', m.exportId)
    const imp = flowmo(['import-ratings', join(dir, 'r.json'), '--export', out, '--out', join(dir, 'report.json'), '--min-ms', '500'])
    expect(imp.code).toBe(0)
    expect(imp.stdout).toContain('1 session(s), 3 trials, 2 kept (1 too fast, 0 never flipped)')
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    expect(report.methods[0]).toMatchObject({ id: 'jpeg', wins: 2, comparisons: 2, rank: 1 })
    await file('foreign.json', 'another-export')
    const foreign = flowmo(['import-ratings', join(dir, 'foreign.json'), '--export', out, '--out', join(dir, 'x.json')])
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toMatch(/foreign\.json: these ratings were made on another export \(export id another-export\)/)
  })

  it('two FlowMo checkpoints as methods: exported under their labels, rated and ranked apart', async () => {
    const out = join(dir, 'two-flowmo')
    const second = join(dir, 'scaled.safetensors')
    await writeSecondCheckpoint(second)
    const methods = `flowmo:a=${bundledCheckpoint},flowmo:${second}`
    const photos64 = join(goldenDir(), '..', 'data', 'photos', 'val-64')
    const exp = flowmo(['export-ratings', '--data', photos64, '--methods', methods, '--limit', '2', '--steps', '1', '--out', out])
    expect(exp.code, exp.stderr).toBe(0)
    expect(exp.stderr).toContain('exporting 2 images × 2 methods (flowmo-a, flowmo-scaled) at 64px')
    const m = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest')
    expect([...new Set(m.entries.map((e) => e.method))]).toEqual(['flowmo-a', 'flowmo-scaled'])
    const tokenOf = (image: string, method: string) => m.entries.find((e) => e.image === image && e.method === method)!.token
    const ratings = m.images.map((img, trial) => {
      const [a, b] = [tokenOf(img.id, 'flowmo-a'), tokenOf(img.id, 'flowmo-scaled')]
      return { trial, image: img.id, pair: [a, b], left: a, right: b, side: 'left', choice: a, ms: 2000, flips: 1 }
    })
    await writeFile(join(dir, 'two.json'), JSON.stringify({ format: ratingsFormat, version: ratingsVersion, exportId: m.exportId, sessionId: 's', rater: 'a', ratings }))
    const imp = flowmo(['import-ratings', join(dir, 'two.json'), '--export', out, '--out', join(dir, 'two-report.json')])
    expect(imp.code, imp.stderr).toBe(0)
    const report = JSON.parse(await readFile(join(dir, 'two-report.json'), 'utf8'))
    expect(report.methods.map((x: { id: string; wins: number }) => [x.id, x.wins])).toEqual([['flowmo-a', 2], ['flowmo-scaled', 0]])
  })

  it('FlowMo (golden tiny-a) beside a codec runs on onnxruntime', () => {
    const set = join(goldenDir(), 'tiny-a')
    const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json'), '--steps', '2', '--cfg', '1']
    const exp = flowmo(['--device', 'cpu', 'export-ratings', ...model, '--data', photos, '--methods', 'flowmo,jpeg', '--limit', '2', '--out', join(dir, 'flowmo')])
    expect(exp.code, exp.stderr).toBe(0)
    expect(exp.stderr).toMatch(/^inference path: onnxruntime \(cpu; export /m)
    expect(exp.stderr).toContain('exporting 2 images × 2 methods (flowmo, jpeg) at 32px')
  })

  it('codecs alone: --size and --bpp, no checkpoint; the rater images all have one byte size', async () => {
    const out = join(dir, 'codecs')
    const exp = flowmo(['export-ratings', '--data', photos, '--methods', 'jpeg,webp', '--limit', '2', '--size', '24', '--bpp', '1', '--out', out])
    expect(exp.stderr).toContain('exporting 2 images × 2 methods (jpeg, webp) at 24px, codec target 1.0000 bpp')
    expect(exp.code).toBe(0)
    expect(parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'), 'manifest').imageSizePx).toBe(24)
    const raterImages = await readdir(join(out, 'rater', 'images'))
    expect(raterImages.length).toBe(2 + 4)
    expect(new Set(await Promise.all(raterImages.map(async (f) => (await stat(join(out, 'rater', 'images', f))).size))).size).toBe(1)
  })

  it('usage errors: one line, exit 2; a method that needs a checkpoint or a title naming methods: exit 1', () => {
    const noOut = flowmo(['export-ratings', '--data', photos, '--methods', 'jpeg,webp'])
    expect([noOut.code, noOut.stderr.split('\n')[0]]).toEqual([2, 'flowmo export-ratings: --out is required'])
    const bad = flowmo(['export-ratings', '--data', photos, '--methods', 'jpeg,png', '--out', join(dir, 'x')])
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, "flowmo export-ratings: unknown method 'png' (methods: flowmo, flowmo:[<label>=]<checkpoint>, jpeg, webp, avif, onnx:<tokenizer folder>)"])
    const noCkpt = flowmo(['export-ratings', '--data', photos, '--methods', 'flowmo,jpeg', '--out', join(dir, 'x')])
    expect([noCkpt.code, noCkpt.stderr.split('\n')[0]]).toEqual([1, 'flowmo export-ratings: error: the method flowmo needs a checkpoint'])
    const named = flowmo(['export-ratings', '--data', photos, '--methods', 'jpeg,webp', '--size', '24', '--bpp', '1', '--title', 'Jpeg or WEBP', '--out', join(dir, 'named')])
    expect([named.code, named.stderr.split('\n').find((l) => l.startsWith('flowmo'))]).toEqual([1, 'flowmo export-ratings: error: the title names methods (jpeg, webp): raters would see them; choose a neutral title'])
    expect(existsSync(join(dir, 'named.partial'))).toBe(false)
    const noExport = flowmo(['import-ratings', 'r.json', '--out', 'x.json'])
    expect([noExport.code, noExport.stderr.split('\n')[0]]).toEqual([2, 'flowmo import-ratings: --export is required'])
  })
})
