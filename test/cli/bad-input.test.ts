// The bad-input corpus over the CLI: zero-byte, truncated, not-an-image, decompression-bomb header and extreme-aspect
// images; zero-byte, truncated, hostile-header, oversized-header and wrong-shape checkpoints; bad codes files; outputs
// that cannot be written. Every failure is exit 1 (2 for usage) with one line naming the file and the reason, no stack
// trace, and no output file left; odd but valid images (CMYK, 16-bit, alpha, animated GIF) reconstruct; a folder with
// bad files is evaluated and encoded with each skipped file named. reconstruct, info, export, train, eval,
// import-ratings, sweep, compare, export-ratings, encode, decode, convert. The cases run concurrently (one process each).
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const BIN = resolve(__dirname, '../../bin/flowmo.mjs')
const set = join(goldenDir(), 'tiny-a')
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json')]
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-bad-input-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const at = (name: string) => join(tmp, name)
const isRoot = process.getuid?.() === 0 // root writes into read-only folders

interface Ran {
  readonly code: number | null
  readonly errors: string[] // stderr lines that start with "flowmo "
  readonly stderr: string
  readonly stdout: string
}

function flowmo(...args: string[]): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args, '--backend', 'cpu'], { env: { ...process.env, FLOWMO_DEBUG: '' } })
  let [stdout, stderr] = ['', '']
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, errors: stderr.split('\n').filter((l) => l.startsWith('flowmo ')), stderr, stdout })))
}

/** A failure as the contract says: the exit code, exactly one error line matching `message`, no stack trace. */
function expectFailure(expect: ExpectStatic, r: Ran, code: number, message: RegExp) {
  expect(r.code, r.stderr).toBe(code)
  expect(r.errors, r.stderr).toHaveLength(1)
  expect(r.errors[0]).toMatch(message)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

beforeAll(async () => {
  const png = await sharp(join(photos, 'val64_0000.png')).png().toBuffer()
  writeFileSync(at('zero.png'), '')
  writeFileSync(at('truncated.png'), png.subarray(0, png.length >> 1))
  writeFileSync(at('text.jpg'), 'this is not an image\n')
  const bomb = Buffer.from(png)
  bomb.writeUInt32BE(30_000, 16)
  bomb.writeUInt32BE(30_000, 20)
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29)
  writeFileSync(at('bomb.png'), bomb)
  await sharp({ create: { width: 1, height: 20_000, channels: 3, background: '#777' } }).png().toFile(at('strip.png'))
  await sharp(join(photos, 'val64_0001.png')).toColourspace('cmyk').jpeg().toFile(at('cmyk.jpg'))
  await sharp(join(photos, 'val64_0002.png')).toColourspace('rgb16').png().toFile(at('deep.png'))
  await sharp(join(photos, 'val64_0003.png')).ensureAlpha(0.4).png().toFile(at('alpha.png'))
  const frames = [await sharp(join(photos, 'val64_0004.png')).png().toBuffer(), png]
  await sharp(frames, { join: { animated: true } }).gif().toFile(at('animated.gif'))
  // checkpoints
  writeFileSync(at('zero.safetensors'), '')
  writeFileSync(at('truncated.pth'), readFileSync(join(set, 'checkpoint.pth')).subarray(0, 4096))
  const hostile = Buffer.alloc(16)
  hostile.writeBigUInt64LE(0x7fffffffffffffffn, 0)
  writeFileSync(at('hostile.safetensors'), hostile)
  const oversized = Buffer.alloc(9)
  oversized.writeBigUInt64LE(200_000_000n, 0)
  writeFileSync(at('oversized.safetensors'), oversized)
  truncateSync(at('oversized.safetensors'), 200_000_016) // sparse: a header length that fits the file, over the limit
  // a folder with good and bad files
  mkdirSync(at('mixed'))
  for (const name of ['val64_0005.png', 'val64_0006.png']) writeFileSync(at(`mixed/${name}`), readFileSync(join(photos, name)))
  for (const name of ['zero.png', 'truncated.png', 'text.jpg', 'bomb.png', 'strip.png']) writeFileSync(at(`mixed/${name}`), readFileSync(at(name)))
  writeFileSync(at('a-file'), 'x')
})

describe.concurrent('flowmo reconstruct on bad images', () => {
  it.for<[string, string]>([
    ['zero.png', 'empty file \\(0 bytes\\)'],
    ['truncated.png', 'corrupt or truncated image \\(.+\\)'],
    ['text.jpg', 'not an image \\(unknown format\\)'],
    ['bomb.png', '30000×30000 is 900 megapixels, over the 100 MP limit'],
    ['strip.png', '1×20000 has an aspect ratio of 20000:1, over the 64:1 limit'],
    ['missing.png', 'does not exist'],
  ])('%s: exit 1, one line naming the file, no output', async ([name, reason], { expect }) => {
    const out = at(`out-${name}.png`)
    expectFailure(expect, await flowmo('reconstruct', ...model, '--image', at(name), '--out', out), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at(name))}: ${reason}$`))
    expect(existsSync(out)).toBe(false)
  })

  it.for<string>(['cmyk.jpg', 'deep.png', 'alpha.png', 'animated.gif'])('reconstructs an odd but valid image: %s', async (name, { expect }) => {
    const out = at(`odd-${name}.png`)
    const r = await flowmo('reconstruct', ...model, '--image', at(name), '--out', out)
    expect(r.code, r.stderr).toBe(0)
    expect((await sharp(out).metadata()).width, name).toBe(32)
  })

  it('an output that cannot be written: one line, nothing left', async ({ expect }) => {
    const out = join(at('a-file'), 'o.png') // a path through a file
    expectFailure(expect, await flowmo('reconstruct', ...model, '--image', join(photos, 'val64_0000.png'), '--out', out), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at('a-file'))}: (exists and is not a folder \\(EEXIST\\)|a part of the path is a file, not a folder \\(ENOTDIR\\))$`))
    if (isRoot) return // root writes into read-only folders: the case below cannot happen for it
    mkdirSync(at('read-only'))
    chmodSync(at('read-only'), 0o555)
    expectFailure(expect, await flowmo('reconstruct', ...model, '--image', join(photos, 'val64_0000.png'), '--out', at('read-only/o.png')), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at('read-only'))}\\S*: permission denied \\(EACCES\\)$`))
  })
})

describe.concurrent('bad checkpoints', () => {
  it.for<[string, string]>([
    ['zero.safetensors', 'not a safetensors file \\(only 0 bytes\\)'],
    ['truncated.pth', 'not a zip archive or truncated.*'],
    ['hostile.safetensors', 'not a safetensors file or truncated: header length 9223372036854775807 exceeds the 8 bytes after it'],
    ['oversized.safetensors', 'safetensors header of 200000000 bytes is over the 100000000 limit'],
    ['text.jpg', '.+'],
  ])('flowmo info %s: exit 1, one line naming the file', async ([name, reason], { expect }) => {
    expectFailure(expect, await flowmo('info', at(name)), 1, new RegExp(`^flowmo info: error: ${esc(at(name))}: ${reason}$`))
  })

  it('a wrong-shape checkpoint is refused naming the file and the mismatch; reconstruct, export and train --init leave nothing', async ({ expect }) => {
    const wrong = ['--checkpoint', join(set, 'weights.safetensors'), '--preset', 'tiny-64']
    const out = at('wrong.png')
    const r = await flowmo('reconstruct', ...wrong, '--image', join(photos, 'val64_0000.png'), '--out', out)
    expect(r.code, r.stderr).toBe(1)
    expect(r.errors[0]).toBe(`flowmo reconstruct: error: ${join(set, 'weights.safetensors')} does not fit the tiny-64 config:`)
    expect(r.stderr).toMatch(/encoder\.double_blocks\.0\.img_mod\.lin\.bias: model \[\d+\], checkpoint \[\d+\]/)
    expect(existsSync(out)).toBe(false)
    expectFailure(expect, await flowmo('export', '--checkpoint', at('truncated.pth'), '--out', at('export')), 1, new RegExp(`${esc(at('truncated.pth'))}: not a zip archive`))
    expect(existsSync(at('export'))).toBe(false)
    const train = await flowmo('train', '--data', join(photos), '--preset', 'tiny-64', '--init', at('hostile.safetensors'), '--out', at('run'), '--max-steps', '1')
    expectFailure(expect, train, 1, new RegExp(`${esc(at('hostile.safetensors'))}: not a safetensors file or truncated`))
    expect(existsSync(at('run'))).toBe(false)
  })
})

describe.concurrent('folders with bad files', () => {
  it('flowmo eval exits 0 and names each skipped file with its reason', async ({ expect }) => {
    const json = at('eval.json')
    const r = await flowmo('eval', ...model, '--data', at('mixed'), '--json', json, '--path', 'tfjs')
    expect(r.code, r.stderr).toBe(0)
    for (const [name, reason] of [['zero.png', 'zero-byte'], ['truncated.png', 'corrupt or truncated'], ['text.jpg', 'not an image'],
      ['bomb.png', 'over the size limits'], ['strip.png', 'over the size limits']]) {
      expect(r.stderr).toContain(`skipped ${at(`mixed/${name}`)}: ${reason}`)
    }
    expect(JSON.parse(readFileSync(json, 'utf8')).protocol.dataset.nImages).toBe(2)
  })

  it('flowmo import-ratings names a ratings file that is not JSON; nothing written', async ({ expect }) => {
    writeFileSync(at('ratings.json'), '{"trials": [')
    const out = at('ratings-report.json')
    const r = await flowmo('import-ratings', at('ratings.json'), '--export', at('mixed'), '--out', out)
    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(/^flowmo import-ratings: error: .*(ratings\.json|mixed)/)
    expect(existsSync(out)).toBe(false)
  })
})

describe.concurrent('sweep, compare, export-ratings, encode, decode and convert on bad inputs', () => {
  it('flowmo sweep on a truncated checkpoint: one line naming it, no result and no partial folder', async ({ expect }) => {
    const out = at('sweep.json')
    const r = await flowmo('sweep', '--checkpoint', at('truncated.pth'), '--data', photos, '--limit', '2', '--steps', '2', '--rho', '1', '--metrics', 'psnr', '--out', out)
    expectFailure(expect, r, 1, new RegExp(`^flowmo sweep: error: ${esc(at('truncated.pth'))}: not a zip archive or truncated`))
    expect([existsSync(out), existsSync(`${out}.partial`)]).toEqual([false, false])
  })

  it('flowmo compare on a named file that is not an image: one line naming it, no output folder', async ({ expect }) => {
    const out = at('compare-out')
    const r = await flowmo('compare', '--methods', 'jpeg', '--size', '32', '--bpp', '1', '--out', out, at('text.jpg'))
    expectFailure(expect, r, 1, new RegExp(`^flowmo compare: error: ${esc(at('text.jpg'))}: not an image \\(unknown format\\)$`))
    expect(existsSync(out)).toBe(false)
  })

  it('flowmo compare of codecs alone without a rate is a usage error: exit 2, one line', async ({ expect }) => {
    expectFailure(expect, await flowmo('compare', '--methods', 'jpeg', '--size', '32', '--out', at('compare-usage'), at('cmyk.jpg')), 2, /^flowmo compare: codecs alone need --bpp/)
    expect(existsSync(at('compare-usage'))).toBe(false)
  })

  it('flowmo export-ratings with an empty checkpoint: one line naming it, no export and no partial folder', async ({ expect }) => {
    const out = at('ratings-export')
    const r = await flowmo('export-ratings', '--data', photos, '--methods', 'flowmo,jpeg', '--checkpoint', at('zero.safetensors'), '--out', out)
    expectFailure(expect, r, 1, new RegExp(`^flowmo export-ratings: error: ${esc(at('zero.safetensors'))}: not a safetensors file \\(only 0 bytes\\)$`))
    expect([existsSync(out), existsSync(`${out}.partial`)]).toEqual([false, false])
  })

  it('flowmo encode with a hostile checkpoint: one line naming it, no codes file', async ({ expect }) => {
    const out = at('hostile-codes.safetensors')
    const r = await flowmo('encode', '--checkpoint', at('hostile.safetensors'), '--preset', 'tiny-64', '--data', photos, '--out', out)
    expectFailure(expect, r, 1, new RegExp(`^flowmo encode: error: ${esc(at('hostile.safetensors'))}: not a safetensors file or truncated`))
    expect(existsSync(out)).toBe(false)
  })

  it('flowmo encode over a folder with bad files: exit 0, each skipped file named, a code per good image', async ({ expect }) => {
    const out = at('mixed-codes.safetensors')
    const r = await flowmo('encode', ...model, '--data', at('mixed'), '--out', out)
    expect(r.code, r.stderr).toBe(0)
    for (const name of ['zero.png', 'truncated.png', 'text.jpg', 'bomb.png', 'strip.png']) expect(r.stderr).toContain(`skipped ${at(`mixed/${name}`)}: `)
    expect(r.stdout + r.stderr).toMatch(/wrote 2 codes/)
  })

  it('flowmo decode of codes files that are not codes: one line naming each, no output folder', async ({ expect }) => {
    const out = at('decoded')
    expectFailure(expect, await flowmo('decode', ...model, '--codes', at('text.jpg'), '--out', out), 1, new RegExp(`^flowmo decode: error: .*${esc(at('text.jpg'))}: not a safetensors file or truncated`))
    const weights = join(set, 'weights.safetensors') // a safetensors file, but no codes
    expectFailure(expect, await flowmo('decode', ...model, '--codes', weights, '--out', out), 1, new RegExp(`^flowmo decode: error: .*${esc(weights)}: not a codes file from 'flowmo encode'`))
    expect(existsSync(out)).toBe(false)
  })

  it('flowmo convert of a truncated checkpoint: one line naming it, nothing written', async ({ expect }) => {
    const out = at('converted.safetensors')
    expectFailure(expect, await flowmo('convert', '--checkpoint', at('truncated.pth'), '--to', 'safetensors', '--out', out), 1, new RegExp(`^flowmo convert: error: ${esc(at('truncated.pth'))}: not a zip archive or truncated`))
    expect(existsSync(out)).toBe(false)
  })
})
