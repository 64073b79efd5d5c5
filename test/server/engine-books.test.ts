// EngineBooks, the bookkeeping both engine hosts share: a call's reply starts tracking its job and run; when the
// engine process ends, what was running ends with engine-exited errors, then the restart state, or nothing more
// when the host is stopping; a policy that gives up fails waiting calls and forgets the runs it would have resumed.
import { describe, expect, it } from 'vitest'
import { RestartPolicy } from '../../src/main/restart-policy'
import { EngineBooks } from '../../src/server/engine-books'
import type { TrainerApi, TrainerEvents } from '../../src/shared/protocol'
import type { RpcClient } from '../../src/shared/rpc'

/** A client whose every call answers `reply`. */
const clientAnswering = (reply: unknown) => new Proxy({}, { get: () => async () => reply }) as RpcClient<TrainerApi, TrainerEvents>
const ready = { kind: 'push', name: 'engine:status', payload: { state: 'ready', message: 'engine ready' } } as const

describe('EngineBooks', () => {
  it('ends running jobs and runs with engine-exited, then announces the restart', async () => {
    const books = new EngineBooks(new RestartPolicy(3, 60_000, 50), 'times in a row; give up')
    expect(books.notePush(ready)).toBe(true)
    await books.call(() => clientAnswering({ jobId: 'job-1' }), 'sweep', {})
    await books.call(() => clientAnswering({ runId: 'run-1' }), 'startRun', { data: '/d', out: '/o' })
    const exit = books.exited('the engine exited (SIGKILL)', false)
    expect(exit.pushes.map((p) => [p.name, (p.payload as { jobId?: string; runId?: string; state?: string })])).toEqual([
      ['job:error', expect.objectContaining({ jobId: 'job-1', code: 'engine-exited' })],
      ['run:error', expect.objectContaining({ runId: 'run-1', code: 'engine-exited' })],
      ['engine:status', { state: 'restarting', message: 'the engine exited (SIGKILL); restarting (attempt 1)' }],
    ])
    expect(exit.restartInMs).toBe(50)
    expect(books.gate.state?.state).toBe('restarting')
    expect(books.runs.size).toBe(1) // waits to be resumed
  })

  it('says nothing more and forgets runs when the host is stopping', async () => {
    const books = new EngineBooks(new RestartPolicy(), 'x')
    books.notePush(ready)
    await books.call(() => clientAnswering({ runId: 'run-1' }), 'startRun', { data: '/d', out: '/o' })
    const exit = books.exited('the engine exited (code 0)', true)
    expect(exit.pushes.map((p) => p.name)).toEqual(['run:error'])
    expect(exit.restartInMs).toBeNull()
    expect(books.runs.size).toBe(0)
  })

  it('gives up with the host\'s wording, failing waiting calls and forgetting interrupted runs', async () => {
    const books = new EngineBooks(new RestartPolicy(0, 60_000, 50), 'times in a row; restart the app')
    books.notePush(ready)
    await books.call(() => clientAnswering({ runId: 'run-1' }), 'startRun', { data: '/d', out: '/o' })
    const exit = books.exited('the engine exited (code 1)', false)
    expect(exit.pushes.at(-1)).toEqual({ kind: 'push', name: 'engine:status', payload: { state: 'stopped', message: 'the engine exited (code 1) 1 times in a row; restart the app' } })
    expect(exit.restartInMs).toBeNull()
    expect(books.runs.size).toBe(0)
    await expect(books.call(() => null, 'status', undefined)).rejects.toMatchObject({ code: 'engine-exited', message: expect.stringMatching(/the engine has stopped/) })
  })
})
