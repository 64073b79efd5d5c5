// The host's run tracker with a fake engine: startRun replies and run:* pushes track runs; an engine death ends them
// with run:error 'engine-exited'; resumeAll restarts each from its folder (run:resumed first, the new run's events after),
// keeps tracking the new runId for a later crash, and reports a failed resume as run:error 'resume-failed'.
import { describe, expect, it } from 'vitest'
import { RunningRuns, type EngineCall, type EnginePush } from '../../src/server/running-runs'
import type { RunInfo, RunRequest, TrainerApi } from '../../src/shared/protocol'
import { RpcError } from '../../src/shared/rpc'

const request = (out: string, over: Partial<RunRequest> = {}): RunRequest => ({ data: '/data', out, config: '/tiny.json', maxSteps: 50, ...over })
const push = (name: string, payload: object) => ({ kind: 'push', name, payload }) as EnginePush

/** A fake engine: startRun numbers its runs run-1, run-2 … and listRuns reports the checkpoint each resume continues from. */
function fakeEngine(checkpointIn: (out: string) => string | null = () => null) {
  const calls: { method: keyof TrainerApi; req: unknown }[] = []
  const started = new Map<string, RunInfo>()
  const call: EngineCall = async (method, req) => {
    calls.push({ method, req })
    if (method === 'listRuns') return [...started.values()]
    const r = req as RunRequest
    if (r.out.includes('broken')) throw new RpcError(`${r.out} is not writable`, 'forbidden')
    const runId = `run-${started.size + 1}`
    started.set(runId, { runId, out: r.out, lastCheckpoint: r.resume ? checkpointIn(r.out) : null } as RunInfo)
    return { runId }
  }
  return { call, calls, startRequests: () => calls.filter((c) => c.method === 'startRun').map((c) => c.req as RunRequest) }
}

function tracked(runs: RunningRuns, runId: string, req: RunRequest): void {
  runs.noteCall('startRun', req, { runId })
}

describe('RunningRuns', () => {
  it('tracks runs from startRun replies until run:done or run:error', () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-1', request('/runs/a'))
    tracked(runs, 'run-2', request('/runs/b'))
    runs.noteCall('listRuns', undefined, [])
    expect(runs.runIds).toEqual(['run-1', 'run-2'])
    expect(runs.notePush(push('run:done', { runId: 'run-1', status: 'finished', step: 50, lastCheckpoint: null }))).toBe(true)
    expect(runs.notePush(push('run:error', { runId: 'run-2', code: 'internal', message: 'x', lastCheckpoint: null }))).toBe(true)
    expect(runs.size).toBe(0)
    tracked(runs, 'run-2', request('/runs/b')) // a reply arriving after the run's end does not bring it back
    expect(runs.size).toBe(0)
  })

  it('ends active runs with engine-exited and their newest checkpoint, then resumes them from their folders', async () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-1', request('/runs/a', { init: '/stage1a.safetensors', stage: '1b' }))
    tracked(runs, 'run-2', request('/runs/b', { init: '/stage1a.safetensors', stage: '1b' }))
    runs.notePush(push('run:checkpoint', { runId: 'run-1', step: 10, path: '/runs/a/checkpoints/step-000010.safetensors' }))
    runs.notePush(push('run:checkpoint', { runId: 'run-1', step: 20, path: '/runs/a/checkpoints/step-000020.safetensors' }))
    const errors = runs.abandon('the engine exited (SIGKILL)')
    expect(errors).toEqual([
      { runId: 'run-1', code: 'engine-exited', lastCheckpoint: '/runs/a/checkpoints/step-000020.safetensors', message: 'the engine exited (SIGKILL) while the run was training' },
      { runId: 'run-2', code: 'engine-exited', lastCheckpoint: null, message: 'the engine exited (SIGKILL) while the run was training' },
    ])
    expect(runs.size).toBe(2) // still owed a resume: the host keeps the engine alive for them

    const engine = fakeEngine((out) => (out === '/runs/a' ? '/runs/a/checkpoints/step-000020.safetensors' : null))
    const emitted: EnginePush[] = []
    await runs.resumeAll(engine.call, (p) => emitted.push(p))
    // with a checkpoint: resume without init; none yet: resume keeps init, so the engine starts over from it
    expect(engine.startRequests()).toEqual([
      { ...request('/runs/a', { stage: '1b' }), resume: true, init: undefined },
      { ...request('/runs/b', { stage: '1b', init: '/stage1a.safetensors' }), resume: true },
    ])
    expect(emitted.map((p) => p.payload)).toEqual([
      { previousRunId: 'run-1', runId: 'run-1', out: '/runs/a', fromCheckpoint: '/runs/a/checkpoints/step-000020.safetensors', reason: 'the engine exited (SIGKILL)' },
      { previousRunId: 'run-2', runId: 'run-2', out: '/runs/b', fromCheckpoint: null, reason: 'the engine exited (SIGKILL)' },
    ])
    expect(emitted.every((p) => p.name === 'run:resumed')).toBe(true)
    expect(runs.runIds).toEqual(['run-1', 'run-2'])
  })

  it('keeps the resumed runs for a second crash, with the checkpoint they resumed from', async () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-7', request('/runs/a'))
    runs.notePush(push('run:checkpoint', { runId: 'run-7', step: 5, path: '/runs/a/checkpoints/step-000005.safetensors' }))
    runs.abandon('the engine exited (code 1)')
    const engine = fakeEngine(() => '/runs/a/checkpoints/step-000005.safetensors')
    await runs.resumeAll(engine.call, () => {})
    expect(runs.abandon('the engine exited (code 134)')).toEqual([
      expect.objectContaining({ runId: 'run-1', lastCheckpoint: '/runs/a/checkpoints/step-000005.safetensors' }),
    ])
    const emitted: EnginePush[] = []
    const again = fakeEngine(() => '/runs/a/checkpoints/step-000005.safetensors')
    await runs.resumeAll(again.call, (p) => emitted.push(p))
    expect(again.startRequests()).toEqual([{ ...request('/runs/a'), resume: true, init: undefined }])
    expect(emitted[0]).toMatchObject({ name: 'run:resumed', payload: { previousRunId: 'run-1', runId: 'run-1', reason: 'the engine exited (code 134)' } })
  })

  it('reports a resume the engine refuses as run:error resume-failed for the previous runId', async () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-1', request('/runs/broken'))
    runs.abandon('the engine exited (code 1)')
    const emitted: EnginePush[] = []
    await runs.resumeAll(fakeEngine().call, (p) => emitted.push(p))
    expect(emitted).toEqual([push('run:error', {
      runId: 'run-1', code: 'resume-failed', lastCheckpoint: null,
      message: 'could not resume the run in /runs/broken after the engine exited (code 1): /runs/broken is not writable',
    })])
    expect(runs.size).toBe(0)
  })

  it('holds the new runs\' events that arrive while resuming and relays them after run:resumed', async () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-3', request('/runs/a'))
    runs.abandon('the engine exited (code 1)')
    const engine = fakeEngine()
    const emitted: EnginePush[] = []
    const early = push('run:start', { runId: 'run-1', step: 0, maxSteps: 50, stage: '1a' })
    const call: EngineCall = async (method, req) => {
      const value = await engine.call(method, req)
      if (method === 'startRun') expect(runs.notePush(early)).toBe(false) // the new run's first event beats listRuns' reply
      return value
    }
    await runs.resumeAll(call, (p) => emitted.push(p))
    expect(emitted.map((p) => p.name)).toEqual(['run:resumed', 'run:start'])
    expect(runs.notePush(push('run:step', { runId: 'run-1', step: 1 }))).toBe(true)
  })

  it('forgets interrupted runs when the engine gives up, so nothing keeps the host alive', async () => {
    const runs = new RunningRuns()
    tracked(runs, 'run-1', request('/runs/a'))
    runs.abandon('the engine exited (code 1)')
    runs.forgetInterrupted()
    expect(runs.size).toBe(0)
    const engine = fakeEngine()
    await runs.resumeAll(engine.call, () => {})
    expect(engine.calls).toEqual([])
  })
})
