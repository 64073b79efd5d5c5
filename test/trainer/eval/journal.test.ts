// The eval journal: code packing, feature rows by side, append and reopen, a torn last line cut off, and a journal from
// another protocol refused.
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evalCard } from '../../../src/trainer/eval/eval-card'
import { cardInputs } from './card-inputs'
import { decodeFloats, encodeFloats, featureRows, JournalMismatchError, openJournal, packCode, unpackCode, type ImageRecord } from '../../../src/trainer/eval/journal'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-journal-'))


const record = (index: number): ImageRecord => ({
  index, path: `/data/val/${index}.png`, mse: 0.01 * (index + 1), ssim: 0.5, lpips: {}, code: packCode([1, -1, 1]), features: null,
})

describe('eval journal', () => {
  it('packs ±1 codes and float rows losslessly', () => {
    const code = Float32Array.from({ length: 96 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : -1))
    expect([...unpackCode(packCode(code), 96)]).toEqual([...code])
    const rows = Float32Array.from([0.1, -2.5, 3e-8, 1e6])
    expect([...decodeFloats(encodeFloats(rows))]).toEqual([...rows])
  })

  it('gathers one side\'s feature rows in record order; none when a record lacks them (originals read from the cache)', () => {
    const withRows = (index: number, original: number[] | null): ImageRecord => ({
      ...record(index), features: { original: original && encodeFloats(Float32Array.from(original)), reconstruction: encodeFloats(Float32Array.from([index, -index])) },
    })
    const records = [withRows(0, [1, 2]), withRows(1, [3, 4])]
    expect(featureRows(records, 'original')).toEqual(Float32Array.from([1, 2, 3, 4]))
    expect(featureRows(records, 'reconstruction')).toEqual(Float32Array.from([0, -0, 1, -1]))
    expect(featureRows([records[0], withRows(1, null)], 'original')).toBeNull()
    expect(featureRows([record(0)], 'reconstruction')).toBeNull()
  })

  it('keeps appended records across reopening and cuts a torn last line', async () => {
    const path = join(tmp, 'a.partial.jsonl')
    const card = evalCard(cardInputs)
    const first = await openJournal(path, card)
    await first.append([record(0), record(1)])
    appendFileSync(path, '{"index":2,"pa') // a write interrupted by a kill
    const again = await openJournal(path, card)
    expect([...again.done.keys()]).toEqual([0, 1])
    expect(again.done.get(1)!.mse).toBe(0.02)
    await again.append([record(2)])
    const lines = readFileSync(path, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(4) // header + 3 records, every line valid JSON
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('refuses a journal written under another protocol and names the fields', async () => {
    const path = join(tmp, 'b.partial.jsonl')
    await (await openJournal(path, evalCard(cardInputs))).append([record(0)])
    const other = evalCard({ ...cardInputs, sampling: { ...cardInputs.sampling, steps: 10 }, quantise: 'round' })
    const error = await openJournal(path, other).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JournalMismatchError)
    expect((error as JournalMismatchError).differences.map((d) => d.field).sort()).toEqual(['quantise', 'sampler.steps'])
    expect((error as Error).message).toMatch(/sampler\.steps: 25 → 10/)
  })
})
