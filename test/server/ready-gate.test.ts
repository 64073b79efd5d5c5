// The gate shared by the web-mode supervisor and the desktop host: calls wait for 'ready', fail on 'stopped' with its
// reason, on close, and when no engine was ready within the bound.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ReadyGate } from '../../src/server/ready-gate'

const engineExited = (pattern: RegExp) => ({ code: 'engine-exited', message: expect.stringMatching(pattern) })

describe('ReadyGate', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('holds calls until ready, passes them at once while ready, and holds them again through a restart', async () => {
    const gate = new ReadyGate(1000)
    const order: string[] = []
    const first = gate.whenReady().then(() => order.push('first'))
    await vi.advanceTimersByTimeAsync(500)
    expect(order).toEqual([])
    gate.set({ state: 'ready', message: 'engine ready' })
    await first
    await gate.whenReady().then(() => order.push('while ready'))
    gate.set({ state: 'restarting', message: 'the engine exited (code 9); restarting (attempt 1)' })
    const again = gate.whenReady().then(() => order.push('after restart'))
    await vi.advanceTimersByTimeAsync(900)
    gate.set({ state: 'ready', message: 'engine ready' })
    await again
    expect(order).toEqual(['first', 'while ready', 'after restart'])
  })

  it('fails waiting and later calls with the reason once stopped or closed, and a wait past its bound', async () => {
    const gate = new ReadyGate(1000)
    gate.set({ state: 'restarting', message: 'the engine exited (code 1); restarting (attempt 2)' })
    const late = expect(gate.whenReady()).rejects.toMatchObject(engineExited(/^the engine was not ready within 1 s \(the engine exited \(code 1\); restarting \(attempt 2\)\)$/))
    await vi.advanceTimersByTimeAsync(1000)
    await late
    const waiting = expect(gate.whenReady()).rejects.toMatchObject(engineExited(/^the engine has stopped: gave up$/))
    gate.set({ state: 'stopped', message: 'gave up' })
    await waiting
    await expect(gate.whenReady()).rejects.toMatchObject(engineExited(/^the engine has stopped: gave up$/))
    const closing = new ReadyGate(1000)
    const pending = expect(closing.whenReady()).rejects.toMatchObject(engineExited(/^shutting down$/))
    closing.close('shutting down')
    await pending
    closing.set({ state: 'ready', message: 'engine ready' })
    await expect(closing.whenReady()).rejects.toMatchObject(engineExited(/^shutting down$/))
  })
})
