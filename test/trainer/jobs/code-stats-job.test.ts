// The code-statistics job through TrainerService on the golden tiny-a tokenizer and 6 real photos: the per-bit usage
// and distinct image codes recomputed by hand from each image's own encode, progress per batch, a bad group refused.
import { mkdtempSync, copyFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { CodeStatsReport, ModelFile, TrainerEvents } from '../../../src/shared/protocol'
import { loadImageTensor } from '../../../src/trainer/data/images'
import { allowRoot } from '../../../src/trainer/files'
import { openFastModel } from '../../../src/trainer/inference/fast-path'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { TrainerService } from '../../../src/trainer/service'
import { PHOTOS } from '../../fixtures/photos'
import { workMs } from '../../fixtures/work-wait'

const set = join(goldenDir(), 'tiny-a')
const model: ModelFile = { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }
const names = Array.from({ length: 6 }, (_, i) => `val64_000${i}.png`)
let data: string

beforeAll(async () => {
  data = join(mkdtempSync(join(tmpdir(), 'flowmo-code-stats-job-')), 'photos')
  mkdirSync(data)
  for (const n of names) copyFileSync(join(PHOTOS, 'val-64', n), join(data, n))
  for (const root of [set, data]) await allowRoot(root)
})

function run(req: Parameters<TrainerService['codeStats']>[0]) {
  const events: [keyof TrainerEvents, TrainerEvents[keyof TrainerEvents]][] = []
  const trainer = new TrainerService((name, payload) => void events.push([name, payload]), 'cpu')
  return {
    events,
    ended: async () => {
      const { jobId } = await trainer.codeStats(req)
      return vi.waitUntil(() => events.find(([n, p]) => (n === 'job:done' || n === 'job:error') && 'jobId' in p && p.jobId === jobId), { timeout: workMs, interval: 20 })
    },
  }
}

describe('codeStats job', () => {
  it('reports per-bit usage and distinct codes as recomputed from each image’s own code', async () => {
    const { events, ended } = run({ model, data, limit: 5, path: 'tfjs' })
    const [name, payload] = await ended()
    expect(name).toBe('job:done')
    const report = (payload as TrainerEvents['job:done']).result as CodeStatsReport
    expect([report.n, report.tokens, report.bits, report.groupBits]).toEqual([5, 16, 6, 6])
    const { model: m } = await openFastModel({ checkpoint: model.checkpoint, config: model.config }, { path: 'tfjs' })
    const codes: Float32Array[] = []
    for (const n of names.slice(0, 5)) codes.push((await m.encode(await loadImageTensor(join(data, n), 32, 'center'), 1)).code)
    await m.dispose()
    const perBit = Array.from({ length: 6 }, (_, c) => codes.reduce((a, code) => a + code.filter((_, k) => k % 6 === c && code[k] > 0).length, 0) / (5 * 16))
    report.bitUsage.perBit.forEach((v, c) => expect(v).toBeCloseTo(perBit[c], 10))
    expect(report.distinctImageCodes).toBe(new Set(codes.map((c) => Array.from(c, (v) => (v > 0 ? 1 : 0)).join(''))).size)
    expect(report.bitCorrelation).toHaveLength(36)
    expect(report.tokenEntropy.perToken).toHaveLength(16)
    expect(report.checkpoint).toBe(model.checkpoint)
    expect(events.filter(([n]) => n === 'job:progress').at(-1)?.[1]).toMatchObject({ done: 5, total: 5 })
  })

  it('refuses a group that does not divide the bits of a token', async () => {
    const [name, payload] = await run({ model, data, group: 4, path: 'tfjs' }).ended()
    expect([name, (payload as TrainerEvents['job:error']).message]).toEqual(['job:error', 'group 4 must divide the 6 bits of a token'])
  })
})
