// Engine restart policy: backoff inside the window, give up after maxRestarts, forgive old crashes.
import { describe, expect, it } from 'vitest'
import { RestartPolicy } from '../../src/main/restart-policy'

describe('RestartPolicy', () => {
  it('backs off and then gives up', () => {
    const policy = new RestartPolicy(3, 60_000, 100)
    const decisions = [0, 1000, 2000, 3000].map((t) => policy.onCrash(t))
    expect(decisions.map((d) => d.restart)).toEqual([true, true, true, false])
    expect(decisions.map((d) => d.delayMs)).toEqual([100, 200, 400, 800])
  })

  it('forgets crashes older than the window', () => {
    const policy = new RestartPolicy(1, 10_000, 100)
    expect(policy.onCrash(0).restart).toBe(true)
    expect(policy.onCrash(5_000).restart).toBe(false)
    expect(policy.onCrash(20_000)).toEqual({ restart: true, delayMs: 100, attempt: 1 })
  })
})
