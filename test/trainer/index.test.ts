// The engine entry as its own process (child_process.fork, as web mode runs it): ready event, status, validation of
// untrusted payloads, no test-only calls; the test engine (same serveEngine) runs a job with progress and cancellation.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../../src/shared/protocol'
import { createClient, type RpcClient } from '../../src/shared/rpc'
import { testEngine, type TestApi } from '../fixtures/engine/test-api'
import { workMs } from '../fixtures/work-wait'

const appEntry = fileURLToPath(new URL('../../src/trainer/index.ts', import.meta.url))

function startEngine<Api>(entry: string, methods: { readonly [K in keyof Api]: unknown }) {
  const child = fork(entry, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
  const send = (m: unknown) => void child.send(m as never)
  const engine = createClient<Api, TrainerEvents>({ postMessage: send, onMessage: (l) => (child.on('message', l), () => void child.off('message', l)) }, methods)
  const ready = new Promise<TrainerEvents['engine:status']>((resolve) => engine.on('engine:status', resolve))
  /** A raw call, past the client's method list: what a hostile or outdated peer could send. */
  const raw = (method: string, req: unknown) =>
    new Promise((resolve) => {
      child.on('message', (m: { kind?: string; id?: number }) => m.kind === 'reply' && m.id === -1 && resolve(m))
      send({ kind: 'call', id: -1, method, req })
    })
  return { child, engine, ready, raw }
}

describe('engine process', () => {
  const app = startEngine<TrainerApi>(appEntry, trainerMethods)
  const test = startEngine<TestApi>(testEngine.entry, testEngine.schemas)
  afterAll(() => void (app.child.kill(), test.child.kill()))

  it('announces itself and reports its status', async () => {
    expect(await app.ready).toMatchObject({ state: 'ready' })
    const status = await app.engine.status()
    expect(status.backend).toBe('cpu')
    expect(status.requestedBackend).toBe('cpu')
    expect(status.versions.node).toBe(process.versions.node)
    expect(status.pid).toBe(app.child.pid)
  })

  it('rejects invalid payloads and unknown calls (the test-only ones included), and keeps serving', async () => {
    await expect(app.engine.cancelJob({ jobId: 5 } as never)).rejects.toMatchObject({ message: 'cancelJob(req).jobId: expected string of at most 100 characters, got 5', code: 'invalid-request' })
    expect(await app.raw('echo', { text: 'x' })).toMatchObject({ ok: false, error: { message: 'unknown method "echo"', code: 'unknown-method' } })
    expect(await app.raw('demoJob', { steps: 1, stepMs: 1 })).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    expect(await app.engine.cancelJob({ jobId: 'none' })).toEqual({ cancelled: false })
  })

  it('streams job progress and cancels on request (test engine)', async () => {
    const { engine } = test
    expect((await engine.echo({ text: 'x' })).pid).toBe(test.child.pid)
    // subscribe first: a job's first events may arrive together with the reply that names it
    const progress: TrainerEvents['job:progress'][] = []
    const errors: TrainerEvents['job:error'][] = []
    engine.on('job:progress', (e) => progress.push(e))
    engine.on('job:error', (e) => errors.push(e))
    const { jobId } = await engine.demoJob({ steps: 1000, stepMs: 2 })
    await vi.waitUntil(() => progress.some((e) => e.jobId === jobId), { timeout: workMs })
    expect(await engine.cancelJob({ jobId })).toEqual({ cancelled: true })
    const ended = await vi.waitUntil(() => errors.find((e) => e.jobId === jobId), { timeout: workMs })
    expect(ended.code).toBe('cancelled')
    const mine = progress.filter((e) => e.jobId === jobId).map((e) => e.done)
    expect(mine[0]).toBe(1)
    expect(mine.length).toBeLessThan(1000)
  })
})
