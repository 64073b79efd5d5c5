// Resuming a 50 000-image eval (the reference's ImageNet val set): its journal holds one line per image with both
// Inception feature rows (2048 floats each, base64: ~22 000 characters a line, ~1.1 GB in all, past Node's largest
// string). openJournal streams it line by line: every record comes back intact and a torn last line is cut off.
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { evalCard } from '../../../src/trainer/eval/eval-card'
import { decodeFloats, encodeFloats, openJournal, packCode, type ImageRecord } from '../../../src/trainer/eval/journal'
import { cardInputs } from './card-inputs'

const tmp = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'flowmo-journal-50k-')) // memory-backed where there is one: the test is about reading, not the disk
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const IMAGES = 50_000
const FEATURES = 2048 // InceptionV3 pool3
const rowOf = (k: number) => Float32Array.from({ length: FEATURES }, (_, j) => Math.sin(k * 31 + j) * 3) // 7 distinct rows
const rows = Array.from({ length: 7 }, (_, k) => encodeFloats(rowOf(k)))
const code = packCode(Float32Array.from({ length: 256 * 18 }, (_, i) => (i % 3 === 0 ? 1 : -1))) // FlowMo-Lo: 256 tokens × 18 bits
const record = (i: number): ImageRecord => ({
  index: i, path: `/data/imagenet/val/ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`, mse: 1e-3 * (1 + (i % 97)), ssim: 0.5 + (i % 13) / 100,
  lpips: { alex: 0.2, vgg: 0.3 }, code, features: { original: rows[i % 7], reconstruction: rows[(i + 3) % 7] },
})

async function writeJournal(path: string, header: string, count: number, tail: string): Promise<void> {
  const out = createWriteStream(path)
  const write = (text: string) => new Promise<void>((done) => (out.write(text) ? done() : out.once('drain', done)))
  await write(`${header}\n`)
  for (let first = 0; first < count; first += 500) {
    await write(Array.from({ length: Math.min(500, count - first) }, (_, k) => `${JSON.stringify(record(first + k))}\n`).join(''))
  }
  await write(tail)
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())))
}

describe('eval journal at 50 000 images', () => {
  it('resumes from a 1.1 GB journal line by line, every record intact, a torn last line cut off', async () => {
    const path = join(tmp, 'imagenet.json.partial.jsonl')
    const card = evalCard(cardInputs)
    const torn = JSON.stringify(record(IMAGES)).slice(0, 9000) // the kill came mid-line
    await writeJournal(path, JSON.stringify({ protocol: card }), IMAGES, torn)
    const lineChars = JSON.stringify(record(0)).length
    expect(lineChars).toBeGreaterThan(22_000)
    const bytesBefore = statSync(path).size
    expect(bytesBefore).toBeGreaterThan(2 ** 29 - 24) // more characters than one V8 string can hold: readFile(…, 'utf8') fails

    const journal = await openJournal(path, card)
    expect(journal.done.size).toBe(IMAGES)
    expect(statSync(path).size).toBe(bytesBefore - torn.length) // the torn line is cut off the file
    for (const i of [0, 1, 12_345, IMAGES - 1]) expect(journal.done.get(i)).toEqual(record(i))
    expect(decodeFloats(journal.done.get(40_001)!.features!.reconstruction)).toEqual(rowOf((40_001 + 3) % 7))
  }, 300_000)
})
