// TrainerService in-process (as the test engine's TestService, for its demo job): status mapping, echo,
// jobs (progress → done / error), cancellation, openModel as a job.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { ModelSummary, TrainerEvents } from '../../src/shared/protocol'
import { allowRoot } from '../../src/trainer/files'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { workMs } from '../fixtures/work-wait'

vi.mock('../../src/trainer/backend', () => {
  const info = { name: 'wasm', requested: 'wasm', threads: 2, simd: true, notices: ['threads: 2 workers'], tfjsVersion: '4.22.0' }
  return { initBackend: vi.fn(async () => info), backendInfo: vi.fn(() => null) }
})
const { TestService } = await import('../fixtures/engine/test-service')

type Event = { [K in keyof TrainerEvents]: [K, TrainerEvents[K]] }[keyof TrainerEvents]

function service() {
  const events: Event[] = []
  const emit = <K extends keyof TrainerEvents>(name: K, payload: TrainerEvents[K]) => void events.push([name, payload] as Event)
  const ended = (jobId: string) =>
    vi.waitUntil(() => events.find(([name, p]) => (name === 'job:done' || name === 'job:error') && p.jobId === jobId), { timeout: workMs })
  return { events, ended, trainer: new TestService(emit, 'wasm') }
}

describe('TrainerService', () => {
  it('reports the backend and versions', async () => {
    const status = await service().trainer.status()
    expect(status).toMatchObject({ backend: 'wasm', requestedBackend: 'wasm', threads: 2, simd: true, notices: ['threads: 2 workers'] })
    expect(status.versions).toMatchObject({ tfjs: '4.22.0', node: process.versions.node, electron: null })
    expect(status.versions.flowmo).toMatch(/^\d+\.\d+\.\d+/)
    expect(status.pid).toBe(process.pid)
  })

  it('echoes text and bytes from its own process', async () => {
    const report = await service().trainer.echo({ text: 'hi', bytes: new Uint8Array([7]) })
    expect(report).toEqual({ text: 'hi', bytes: new Uint8Array([7]), pid: process.pid })
  })

  it('runs a job: progress for every step, then done', async () => {
    const { trainer, events, ended } = service()
    const { jobId } = await trainer.demoJob({ steps: 3, stepMs: 1 })
    expect(await ended(jobId)).toEqual(['job:done', { jobId, result: { steps: 3 } }])
    const progress = events.filter(([name]) => name === 'job:progress').map(([, p]) => p)
    expect(progress).toEqual([1, 2, 3].map((done) => ({ jobId, done, total: 3, message: `step ${done}/3` })))
  })

  it('reports a failing job as job:error with its code', async () => {
    const { trainer, ended } = service()
    const { jobId } = await trainer.demoJob({ steps: 5, stepMs: 1, failAt: 2 })
    expect(await ended(jobId)).toEqual(['job:error', { jobId, message: 'demo job failed at step 2', code: 'demo-failure' }])
  })

  it('cancels a running job, once', async () => {
    const { trainer, events, ended } = service()
    const { jobId } = await trainer.demoJob({ steps: 1000, stepMs: 5 })
    await vi.waitUntil(() => events.some(([name]) => name === 'job:progress'), { timeout: workMs })
    expect(await trainer.cancelJob({ jobId })).toEqual({ cancelled: true })
    expect(await ended(jobId)).toEqual(['job:error', { jobId, message: 'cancelled', code: 'cancelled' }])
    expect(events.filter(([name]) => name === 'job:progress').length).toBeLessThan(1000)
    expect(await trainer.cancelJob({ jobId })).toEqual({ cancelled: false })
  })

  it('opens a model as a job: a fresh checkpoint reports its export steps, then job:done with the summary', async () => {
    const tinyA = { path: join(goldenDir(), 'tiny-a', 'checkpoint.pth'), config: join(goldenDir(), 'tiny-a', 'config.json') }
    vi.stubEnv('FLOWMO_CACHE_DIR', mkdtempSync(join(tmpdir(), 'flowmo-service-open-'))) // not exported yet
    const { trainer, events, ended } = service()
    const refused = await trainer.openModel(tinyA)
    expect(await ended(refused.jobId)).toMatchObject(['job:error', { code: 'forbidden' }]) // the file policy still applies
    await allowRoot(dirname(tinyA.path))
    const { jobId } = await trainer.openModel(tinyA)
    const [name, done] = (await ended(jobId)) as ['job:done', { result: ModelSummary }]
    expect([name, done.result.inferencePath, done.result.codeLength]).toEqual(['job:done', 'onnxruntime', 16])
    const progress = events.filter(([n, p]) => n === 'job:progress' && p.jobId === jobId).map(([, p]) => p as { message: string })
    expect(progress[0]?.message).toBe('hashing the checkpoint… 1/4')
    expect(progress.at(-1)?.message).toBe('loading the exported model… 4/4')
    vi.unstubAllEnvs()
  })
})
