// The bad-input corpus over the CLI: zero-byte, truncated, not-an-image, decompression-bomb header and extreme-aspect
// images; zero-byte, truncated, hostile-header, oversized-header and wrong-shape checkpoints; outputs that cannot be
// written. Every failure is exit 1 (2 for usage) with one line naming the file and the reason, no stack trace, and no
// output file left; odd but valid images (CMYK, 16-bit, alpha, animated GIF) reconstruct; a folder with bad files is
// evaluated with each skipped file named.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const BIN = resolve(__dirname, '../../bin/flowmo.mjs')
const set = join(goldenDir(), 'tiny-a')
const model = ['--checkpoint', join(set, 'checkpoint.pth'), '--config', join(set, 'config.json')]
const photos = join(goldenDir(), '..', 'data', 'photos', 'val-64')
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-bad-input-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const at = (name: string) => join(tmp, name)
const isRoot = process.getuid?.() === 0 // root writes into read-only folders

function flowmo(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--backend', 'cpu'], { encoding: 'utf8', env: { ...process.env, FLOWMO_DEBUG: '' } })
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('flowmo '))
  return { code: r.status, errors, stderr: r.stderr, stdout: r.stdout }
}

/** A failure as the contract says: the exit code, exactly one error line matching `message`, no stack trace. */
function expectFailure(r: ReturnType<typeof flowmo>, code: number, message: RegExp) {
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

describe('flowmo reconstruct on bad images', () => {
  it.each([
    ['zero.png', 'empty file \\(0 bytes\\)'],
    ['truncated.png', 'corrupt or truncated image \\(.+\\)'],
    ['text.jpg', 'not an image \\(unknown format\\)'],
    ['bomb.png', '30000×30000 is 900 megapixels, over the 100 MP limit'],
    ['strip.png', '1×20000 has an aspect ratio of 20000:1, over the 64:1 limit'],
    ['missing.png', 'does not exist'],
  ])('%s: exit 1, one line naming the file, no output', (name, reason) => {
    const out = at(`out-${name}.png`)
    expectFailure(flowmo('reconstruct', ...model, '--image', at(name), '--out', out), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at(name))}: ${reason}$`))
    expect(existsSync(out)).toBe(false)
  })

  it('reconstructs odd but valid images: CMYK JPEG, 16-bit PNG, alpha, animated GIF', async () => {
    for (const name of ['cmyk.jpg', 'deep.png', 'alpha.png', 'animated.gif']) {
      const out = at(`odd-${name}.png`)
      const r = flowmo('reconstruct', ...model, '--image', at(name), '--out', out)
      expect(r.code, r.stderr).toBe(0)
      expect((await sharp(out).metadata()).width, name).toBe(32)
    }
  })

  it('an output that cannot be written: one line, nothing left', () => {
    const out = join(at('a-file'), 'o.png') // a path through a file
    expectFailure(flowmo('reconstruct', ...model, '--image', join(photos, 'val64_0000.png'), '--out', out), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at('a-file'))}: (exists and is not a folder \\(EEXIST\\)|a part of the path is a file, not a folder \\(ENOTDIR\\))$`))
    if (isRoot) return // root writes into read-only folders: the case below cannot happen for it
    mkdirSync(at('read-only'))
    chmodSync(at('read-only'), 0o555)
    expectFailure(flowmo('reconstruct', ...model, '--image', join(photos, 'val64_0000.png'), '--out', at('read-only/o.png')), 1, new RegExp(`^flowmo reconstruct: error: ${esc(at('read-only'))}\\S*: permission denied \\(EACCES\\)$`))
  })
})

describe('bad checkpoints', () => {
  it.each([
    ['zero.safetensors', 'not a safetensors file \\(only 0 bytes\\)'],
    ['truncated.pth', 'not a zip archive or truncated.*'],
    ['hostile.safetensors', 'not a safetensors file or truncated: header length 9223372036854775807 exceeds the 8 bytes after it'],
    ['oversized.safetensors', 'safetensors header of 200000000 bytes is over the 100000000 limit'],
    ['text.jpg', '.+'],
  ])('flowmo info %s: exit 1, one line naming the file', (name, reason) => {
    expectFailure(flowmo('info', at(name)), 1, new RegExp(`^flowmo info: error: ${esc(at(name))}: ${reason}$`))
  })

  it('a wrong-shape checkpoint is refused naming the file and the mismatch; reconstruct, export and train --init leave nothing', () => {
    const wrong = ['--checkpoint', join(set, 'weights.safetensors'), '--preset', 'tiny-64']
    const out = at('wrong.png')
    const r = flowmo('reconstruct', ...wrong, '--image', join(photos, 'val64_0000.png'), '--out', out)
    expect(r.code, r.stderr).toBe(1)
    expect(r.errors[0]).toBe(`flowmo reconstruct: error: ${join(set, 'weights.safetensors')} does not fit the tiny-64 config:`)
    expect(r.stderr).toMatch(/encoder\.double_blocks\.0\.img_mod\.lin\.bias: model \[\d+\], checkpoint \[\d+\]/)
    expect(existsSync(out)).toBe(false)
    expectFailure(flowmo('export', '--checkpoint', at('truncated.pth'), '--out', at('export')), 1, new RegExp(`${esc(at('truncated.pth'))}: not a zip archive`))
    expect(existsSync(at('export'))).toBe(false)
    const train = flowmo('train', '--data', join(photos), '--preset', 'tiny-64', '--init', at('hostile.safetensors'), '--out', at('run'), '--max-steps', '1')
    expectFailure(train, 1, new RegExp(`${esc(at('hostile.safetensors'))}: not a safetensors file or truncated`))
    expect(existsSync(at('run'))).toBe(false)
  })
})

describe('folders with bad files', () => {
  it('flowmo eval exits 0 and names each skipped file with its reason', () => {
    const json = at('eval.json')
    const r = flowmo('eval', ...model, '--data', at('mixed'), '--json', json, '--path', 'tfjs')
    expect(r.code, r.stderr).toBe(0)
    for (const [name, reason] of [['zero.png', 'zero-byte'], ['truncated.png', 'corrupt or truncated'], ['text.jpg', 'not an image'],
      ['bomb.png', 'over the size limits'], ['strip.png', 'over the size limits']]) {
      expect(r.stderr).toContain(`skipped ${at(`mixed/${name}`)}: ${reason}`)
    }
    expect(JSON.parse(readFileSync(json, 'utf8')).protocol.dataset.nImages).toBe(2)
  })

  it('flowmo import-ratings names a ratings file that is not JSON; nothing written', () => {
    writeFileSync(at('ratings.json'), '{"trials": [')
    const out = at('ratings-report.json')
    const r = flowmo('import-ratings', at('ratings.json'), '--export', at('mixed'), '--out', out)
    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(/^flowmo import-ratings: error: .*(ratings\.json|mixed)/)
    expect(existsSync(out)).toBe(false)
  })
})
