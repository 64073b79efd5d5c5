// The engine host with a fake utility process: calls reach the engine once it is ready, pushes reach every window, a
// crash rejects pending calls, ends running jobs with job:error 'engine-exited' and restarts the engine, calls made
// meanwhile wait for the new engine (at most the gate's bound; they fail once the policy gave up), a deliberate stop does not restart;
// native-dialog grants travel on the main-only message and survive a restart; training runs end with run:error
// 'engine-exited' and resume on the restarted engine (run:resumed), and stopRuns asks each active run to stop.
import { delimiter } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { electronFake, forked, sent, type FakeUtilityProcess } from './electron-fake'

vi.mock('electron', () => electronFake)
const { TrainerHost } = await import('../../src/main/trainer-host')

const readyPush = { kind: 'push', name: 'engine:status', payload: { state: 'ready', message: 'engine ready' } }

/** The engine announces itself, as src/trainer/index.ts does once it serves. */
function ready(child: FakeUtilityProcess): void {
  child.emit('message', readyPush)
}

/** The newest message posted to the engine, once the host's pending calls went on. */
async function lastPosted(child: FakeUtilityProcess): Promise<{ id: number; method: string; req: unknown }> {
  await vi.advanceTimersByTimeAsync(0)
  return child.posted.at(-1) as { id: number; method: string; req: unknown }
}

describe('TrainerHost', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    forked.length = 0
    sent.length = 0
  })
  afterEach(() => vi.useRealTimers())

  it('holds calls until the engine is ready, then forwards them; relays engine pushes to windows', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    const pending = host.call('cancelJob', { jobId: 'j' })
    await vi.advanceTimersByTimeAsync(0)
    expect(forked[0].posted).toEqual([]) // the engine has not announced itself yet
    ready(forked[0])
    const call = await lastPosted(forked[0])
    expect(call).toMatchObject({ kind: 'call', method: 'cancelJob', req: { jobId: 'j' } })
    forked[0].emit('message', { kind: 'reply', id: call.id, ok: true, value: 'pong' })
    expect(await pending).toBe('pong')
    sent.length = 0
    const push = { kind: 'push', name: 'job:progress', payload: { jobId: 'j', done: 1, total: 2, message: '' } }
    forked[0].emit('message', push)
    expect(sent).toEqual([{ channel: 'trainer:push', payload: push }])
  })

  it('restarts after a crash and tells the windows; a call made meanwhile goes to the restarted engine', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    ready(forked[0])
    const pending = host.call('status', undefined)
    await lastPosted(forked[0])
    forked[0].emit('exit', 134)
    await expect(pending).rejects.toMatchObject({ code: 'engine-exited' }) // in flight when the engine died
    expect(sent.at(-1)?.payload).toMatchObject({ name: 'engine:status', payload: { state: 'restarting' } })
    const waiting = host.call('status', undefined)
    vi.advanceTimersByTime(1000)
    expect(forked).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(0)
    expect(forked[1].posted).toEqual([]) // still waiting: the new engine is not ready yet
    ready(forked[1])
    const call = await lastPosted(forked[1])
    expect(call).toMatchObject({ method: 'status' })
    forked[1].emit('message', { kind: 'reply', id: call.id, ok: true, value: 'ok' })
    expect(await waiting).toBe('ok')
  })

  it('fails a call that waited longer than its bound for the restarted engine, saying so', async () => {
    const host = new TrainerHost('/engine.js', 5000)
    host.start()
    ready(forked[0])
    forked[0].emit('exit', 1)
    const late = expect(host.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited', message: expect.stringMatching(/not ready within 5 s \(the engine exited \(code 1\); restarting/) })
    await vi.advanceTimersByTimeAsync(4000)
    expect(forked).toHaveLength(2) // restarted, but it never announced itself
    await vi.advanceTimersByTimeAsync(1000)
    await late
  })

  it('gives up after repeated crashes, failing the waiting calls with the reason; no restart after stop()', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    ready(forked[0])
    const waiting = []
    for (let i = 0; i < 4; i++) {
      forked[forked.length - 1].emit('exit', 1)
      waiting.push(expect(host.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited', message: expect.stringMatching(/^the engine has stopped: .*4 times in a row; restart the app/) }))
      await vi.advanceTimersByTimeAsync(5000) // each restarted engine dies before it is ready
    }
    expect(forked).toHaveLength(4)
    expect(sent.at(-1)?.payload).toMatchObject({ payload: { state: 'stopped' } })
    await Promise.all(waiting) // each waited through the restarts that never became ready
    await expect(host.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited', message: expect.stringMatching(/^the engine has stopped/) })
    const quiet = new TrainerHost('/engine.js')
    quiet.start()
    const early = expect(quiet.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited', message: 'the app is shutting down' })
    quiet.stop()
    await early
    vi.advanceTimersByTime(10_000)
    expect(forked).toHaveLength(5)
  })

  it('ends the running jobs with job:error engine-exited, then restarting, then the new engine is ready', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    ready(forked[0])
    const replyTo = async (method: string, value: unknown) => {
      const pending = host.call(method as never, { modelId: 'm', imageId: 'i', sampling: {}, seed: 0 })
      const call = await lastPosted(forked[0])
      forked[0].emit('message', { kind: 'reply', id: call.id, ok: true, value })
      return pending
    }
    await replyTo('reconstruct', { jobId: 'job-1' })
    await replyTo('sampleVariance', { jobId: 'job-2' })
    forked[0].emit('message', { kind: 'push', name: 'job:progress', payload: { jobId: 'job-3', done: 1, total: 9, message: '' } })
    forked[0].emit('message', { kind: 'push', name: 'job:done', payload: { jobId: 'job-2', result: null } })
    const inFlight = host.call('status', undefined)
    await lastPosted(forked[0])
    sent.length = 0
    forked[0].emit('exit', 9)
    await expect(inFlight).rejects.toMatchObject({ code: 'engine-exited' })
    const names = sent.map((s) => (s.payload as { name: string }).name)
    expect(names).toEqual(['job:error', 'job:error', 'engine:status'])
    const errors = sent.slice(0, 2).map((s) => (s.payload as { payload: { jobId: string; code: string } }).payload)
    expect(errors.map((e) => e.jobId).sort()).toEqual(['job-1', 'job-3'])
    expect(errors.every((e) => e.code === 'engine-exited')).toBe(true)
    expect(sent[2].payload).toMatchObject({ payload: { state: 'restarting' } })
    vi.advanceTimersByTime(1000)
    ready(forked[1])
    expect(sent.at(-1)).toEqual({ channel: 'trainer:push', payload: readyPush })
    forked[1].emit('exit', 9)
    expect(sent.filter((s) => (s.payload as { name: string }).name === 'job:error')).toHaveLength(2) // nothing ran on the new engine
  })

  it('grants dialog choices over the main-only message and lets a restarted engine read them again', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    ready(forked[0])
    sent.length = 0
    const granted = host.allowRoots(['/data/photos', '/data/model.pth'])
    const grant = (await lastPosted(forked[0])) as unknown as { kind: string; id: number; paths: string[] }
    expect(grant).toMatchObject({ kind: 'host-grant', paths: ['/data/photos', '/data/model.pth'] })
    forked[0].emit('message', { kind: 'host-grant-reply', id: grant.id, ok: true, paths: ['/real/photos', '/real/model.pth'] })
    expect(await granted).toEqual(['/real/photos', '/real/model.pth'])
    expect(sent).toEqual([]) // grant replies are not events for the windows
    const refused = host.allowRoots(['/nope'])
    const second = await lastPosted(forked[0])
    forked[0].emit('message', { kind: 'host-grant-reply', id: second.id, ok: false, message: '/nope does not exist' })
    await expect(refused).rejects.toMatchObject({ code: 'forbidden', message: '/nope does not exist' })
    const lost = host.allowRoots(['/data/other'])
    await lastPosted(forked[0])
    forked[0].emit('exit', 1)
    await expect(lost).rejects.toMatchObject({ code: 'engine-exited' })
    vi.advanceTimersByTime(1000)
    expect(forked[1].options.env?.FLOWMO_ALLOW_ROOTS?.split(delimiter)).toEqual(['/real/photos', '/real/model.pth'])
  })

  it('resumes the training runs on the restarted engine: run:error engine-exited, then run:resumed', async () => {
    const host = new TrainerHost('/engine.js')
    host.start()
    ready(forked[0])
    const changes = vi.fn()
    host.onRunsChanged(changes)
    const run = { data: '/data', out: '/runs/a', config: '/tiny.json', maxSteps: 100 }
    const started = host.call('startRun', run)
    const startCall = await lastPosted(forked[0])
    forked[0].emit('message', { kind: 'reply', id: startCall.id, ok: true, value: { runId: 'run-1' } })
    await started
    expect(host.runCount()).toBe(1)
    const checkpoint = '/runs/a/checkpoints/step-000040.safetensors'
    forked[0].emit('message', { kind: 'push', name: 'run:checkpoint', payload: { runId: 'run-1', step: 40, path: checkpoint } })
    sent.length = 0
    forked[0].emit('exit', 9)
    const names = () => sent.map((s) => (s.payload as { name: string }).name)
    expect(names()).toEqual(['run:error', 'engine:status'])
    expect(sent[0].payload).toMatchObject({ payload: { runId: 'run-1', code: 'engine-exited', lastCheckpoint: checkpoint } })
    expect(host.runCount()).toBe(1) // waiting to resume: the app must stay up
    vi.advanceTimersByTime(1000)
    ready(forked[1])
    const resumeCall = await lastPosted(forked[1])
    expect(resumeCall).toMatchObject({ method: 'startRun', req: { ...run, resume: true } })
    forked[1].emit('message', { kind: 'reply', id: resumeCall.id, ok: true, value: { runId: 'run-1' } })
    const listCall = await lastPosted(forked[1])
    expect(listCall.method).toBe('listRuns')
    forked[1].emit('message', { kind: 'reply', id: listCall.id, ok: true, value: [{ runId: 'run-1', lastCheckpoint: checkpoint }] })
    await vi.advanceTimersByTimeAsync(0)
    expect(names()).toEqual(['run:error', 'engine:status', 'engine:status', 'run:resumed'])
    expect(sent.at(-1)?.payload).toMatchObject({
      payload: { previousRunId: 'run-1', runId: 'run-1', out: '/runs/a', fromCheckpoint: checkpoint, reason: 'the engine exited (code 9)' },
    })
    expect(changes).toHaveBeenCalled()

    const stopping = host.stopRuns()
    const stopCall = await lastPosted(forked[1])
    expect(stopCall).toMatchObject({ method: 'stopRun', req: { runId: 'run-1' } })
    forked[1].emit('message', { kind: 'reply', id: stopCall.id, ok: true, value: { stopping: true } })
    await stopping
    forked[1].emit('message', { kind: 'push', name: 'run:done', payload: { runId: 'run-1', status: 'stopped', step: 41, lastCheckpoint: null } })
    expect(host.runCount()).toBe(0)
  })
})
