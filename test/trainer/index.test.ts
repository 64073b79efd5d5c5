// The engine entry as its own process (child_process.fork, as web mode runs it): ready event, status,
// validation of untrusted payloads, a job with progress and cancellation.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { trainerMethods, type TrainerApi, type TrainerEvents } from '../../src/shared/protocol'
import { createClient, type RpcClient } from '../../src/shared/rpc'

const entry = fileURLToPath(new URL('../../src/trainer/index.ts', import.meta.url))

describe('engine process', () => {
  let child: ChildProcess
  let engine: RpcClient<TrainerApi, TrainerEvents>
  let ready: Promise<TrainerEvents['engine:status']>

  beforeAll(() => {
    child = fork(entry, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit', env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
    engine = createClient<TrainerApi, TrainerEvents>(
      {
        postMessage: (m) => void child.send(m as never),
        onMessage: (l) => (child.on('message', l), () => void child.off('message', l)),
      },
      trainerMethods,
    )
    ready = new Promise((resolve) => engine.on('engine:status', resolve))
  })
  afterAll(() => void child.kill())

  it('announces itself and reports its status', async () => {
    expect(await ready).toMatchObject({ state: 'ready' })
    const status = await engine.status()
    expect(status.backend).toBe('cpu')
    expect(status.requestedBackend).toBe('cpu')
    expect(status.versions.node).toBe(process.versions.node)
    expect((await engine.echo({ text: 'x' })).pid).toBe(child.pid)
  })

  it('rejects invalid payloads and keeps serving', async () => {
    await expect(engine.demoJob({ steps: 0, stepMs: 1 })).rejects.toMatchObject({ code: 'invalid-request' })
    await expect(engine.echo({ text: 1 } as never)).rejects.toMatchObject({ message: 'echo(req).text: expected string of at most 10000 characters, got 1' })
    expect((await engine.echo({ text: 'still here' })).text).toBe('still here')
  })

  it('streams job progress and cancels on request', async () => {
    // subscribe first: a job's first events may arrive together with the reply that names it
    const progress: TrainerEvents['job:progress'][] = []
    const errors: TrainerEvents['job:error'][] = []
    engine.on('job:progress', (e) => progress.push(e))
    engine.on('job:error', (e) => errors.push(e))
    const { jobId } = await engine.demoJob({ steps: 1000, stepMs: 2 })
    await vi.waitUntil(() => progress.some((e) => e.jobId === jobId), { timeout: 10_000 })
    expect(await engine.cancelJob({ jobId })).toEqual({ cancelled: true })
    const ended = await vi.waitUntil(() => errors.find((e) => e.jobId === jobId), { timeout: 10_000 })
    expect(ended.code).toBe('cancelled')
    const mine = progress.filter((e) => e.jobId === jobId).map((e) => e.done)
    expect(mine[0]).toBe(1)
    expect(mine.length).toBeLessThan(1000)
  })
})
