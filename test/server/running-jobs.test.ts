// Job bookkeeping outside the engine: replies and events in either order; survivors abandoned with engine-exited.
import { describe, expect, it } from 'vitest'
import { RunningJobs } from '../../src/server/running-jobs'

const push = (name: string, jobId: string) => ({ kind: 'push', name, payload: { jobId } }) as never

describe('RunningJobs', () => {
  it('tracks jobs from their JobStarted reply or first progress until done / error', () => {
    const jobs = new RunningJobs()
    jobs.noteReply({ jobId: 'demo-1' })
    jobs.notePush(push('job:progress', 'demo-2'))
    jobs.noteReply({ text: 'not a job' })
    expect(jobs.size).toBe(2)
    jobs.notePush(push('job:done', 'demo-1'))
    expect(jobs.abandon('gone')).toEqual([{ jobId: 'demo-2', message: 'gone', code: 'engine-exited' }])
    expect(jobs.size).toBe(0)
  })

  it('ignores a JobStarted reply that arrives after the job already ended', () => {
    const jobs = new RunningJobs()
    jobs.notePush(push('job:error', 'demo-3'))
    jobs.noteReply({ jobId: 'demo-3' })
    expect(jobs.abandon('gone')).toEqual([])
  })
})
