// The sweep's resume journal: cells round-trip exactly (∞ PSNR, inline PNGs through files), another sweep's journal is
// refused naming the field, a line cut short by a crash is ignored and cut off, and the folder goes once removed;
// the folder's lock: a second sweep on one output refused, a dead sweep's lock taken over, the lock gone on release.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lockSweepOutput, openSweepJournal, partialDir, SweepJournalMismatchError, type ScoredCell, type SweepIdentity } from '../../../src/trainer/sweep/sweep-journal'
import type { SweepCard } from '../../../src/trainer/sweep/sweep-result'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-sweep-journal-'))
const png = (byte: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, byte]).toString('base64')

const identity = (steps: number[] = [2, 4]): SweepIdentity => ({
  protocol: { dataset: { path: '/photos', sha256: 'ab12', nImages: 3 }, resolutionPx: 32, sampler: { seed: 0, noise: 'z0' } } as unknown as SweepCard,
  grid: { steps, rho: [1], cfg: [1.5], interval: [[0.17, 1.02], null] },
  metrics: ['psnr', 'ssim'], featureMinImages: 2048, batchSize: 2, gridImages: { count: 2, dir: null, inline: true },
})

const cell = (steps: number, psnr: number): ScoredCell => ({
  steps, rho: 1, cfg: 1.5, interval: null, schedule: 'pow_1', cfgIntervalT: null, nfe: steps, timeMsPerImage: 12.345678901234567,
  metrics: { psnr, ssim: 0.1 + 0.2 }, perImage: { psnr: [psnr, 21.000000000000004], ssim: [0.30000000000000004, 1 / 3] },
  images: [{ index: 0, png: png(steps) }, { index: 1, png: png(steps + 1) }],
})

describe('openSweepJournal', () => {
  it('gives back every journalled cell exactly, its inline PNGs kept as files and not in the journal', async () => {
    const out = join(tmp, 'round.json')
    const first = await openSweepJournal(out, identity())
    expect(first.done.size).toBe(0)
    const cells = [cell(2, Infinity), cell(4, 23.456789012345678)]
    for (const [i, c] of cells.entries()) await first.append(i, c)
    expect(readdirSync(join(partialDir(out), 'c01')).sort()).toEqual(['img0000.png', 'img0001.png'])
    expect(readFileSync(join(partialDir(out), 'journal.jsonl'), 'utf8')).not.toContain(png(2))
    const again = await openSweepJournal(out, identity())
    expect([...again.done.keys()]).toEqual([0, 1])
    const restored = await Promise.all([...again.done.values()].map((r) => again.restore(r)))
    expect(JSON.stringify(restored, (_, v) => (v === Infinity ? 'inf' : v))).toBe(JSON.stringify(cells, (_, v) => (v === Infinity ? 'inf' : v)))
  })

  it('refuses the journal of another sweep, naming the field and how to start over', async () => {
    const out = join(tmp, 'other.json')
    await (await openSweepJournal(out, identity([2, 4]))).append(0, cell(2, 20))
    const refused = openSweepJournal(out, identity([2, 8]))
    await expect(refused).rejects.toBeInstanceOf(SweepJournalMismatchError)
    await expect(refused).rejects.toThrow(`grid.steps: [2,4] → [2,8]); to start over delete ${partialDir(out)}, or choose another output file`)
    expect((await openSweepJournal(out, identity([2, 4]))).done.size).toBe(1) // still there for the sweep that wrote it
  })

  it('ignores a cell cut short (a torn last line) and cuts it off so the next cell appends cleanly', async () => {
    const out = join(tmp, 'torn.json')
    await (await openSweepJournal(out, identity())).append(0, cell(2, 20))
    const file = join(partialDir(out), 'journal.jsonl')
    appendFileSync(file, '{"index":1,"cell":{"steps":4,"rho":1,"metr')
    const resumed = await openSweepJournal(out, identity())
    expect([...resumed.done.keys()]).toEqual([0])
    await resumed.append(1, cell(4, 22))
    expect([...(await openSweepJournal(out, identity())).done.keys()]).toEqual([0, 1])
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).index)).toEqual([undefined, 0, 1])
  })

  it('starts over when only a torn header was written, and removes its folder', async () => {
    const out = join(tmp, 'header.json')
    mkdirSync(partialDir(out))
    writeFileSync(join(partialDir(out), 'journal.jsonl'), '{"sweep":{"protocol":{"data')
    const journal = await openSweepJournal(out, identity())
    expect(journal.done.size).toBe(0)
    expect(JSON.parse(readFileSync(join(journal.dir, 'journal.jsonl'), 'utf8')).sweep.grid.steps).toEqual([2, 4])
    await journal.remove()
    expect(existsSync(partialDir(out))).toBe(false)
  })
})

describe('lockSweepOutput', () => {
  it('refuses a second sweep writing the same output, naming the holder; release removes the lock and an empty folder', async () => {
    const out = join(tmp, 'locked.json')
    const release = await lockSweepOutput(out)
    await expect(lockSweepOutput(out)).rejects.toThrow(`another sweep (pid ${process.pid}, started `)
    await expect(lockSweepOutput(out)).rejects.toThrow(/is writing .*locked\.json; wait for it or choose another --out$/)
    await release()
    expect(existsSync(partialDir(out))).toBe(false)
    const again = await lockSweepOutput(out)
    const journal = await openSweepJournal(out, identity())
    await again()
    expect(readdirSync(journal.dir)).toEqual(['journal.jsonl']) // a journal keeps its folder; the lock is gone
  })

  it('takes over the lock of a sweep that is no longer running, with a notice', async () => {
    const out = join(tmp, 'stale.json')
    mkdirSync(partialDir(out))
    const dead = spawnSync(process.execPath, ['-e', '0']).pid // exited already
    writeFileSync(join(partialDir(out), 'lock'), JSON.stringify({ pid: dead, startedAt: '2026-01-01T00:00:00.000Z' }))
    const notices: string[] = []
    const release = await lockSweepOutput(out, (line) => notices.push(line))
    expect(notices).toEqual([`took over ${join(partialDir(out), 'lock')}: the sweep that held it (pid ${dead}, started 2026-01-01T00:00:00.000Z) is no longer running`])
    expect(JSON.parse(readFileSync(join(partialDir(out), 'lock'), 'utf8')).pid).toBe(process.pid)
    await release()
    expect(existsSync(partialDir(out))).toBe(false)
  })
})
