// The keep-alive decisions with a fake engine host and app shell: closing the last window with runs active keeps the
// app in the tray, the tray opens a window or stops the runs and quits (bounded), the last run ending while
// windowless quits, and with no run the app behaves as before (quit, except on macOS).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeepAlive, type AppShell, type RunHost, type TrayMenu } from '../../src/main/keep-alive'

function fakeHost(runs: string[]) {
  const listeners = new Set<() => void>()
  const host: RunHost & { end(runId: string): void; stopped: string[] } = {
    stopped: [],
    runCount: () => runs.length,
    stopRuns: async () => void host.stopped.push(...runs),
    onRunsChanged(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    end(runId) {
      runs.splice(runs.indexOf(runId), 1)
      for (const listener of [...listeners]) listener()
    },
  }
  return host
}

type FakeShell = AppShell & { windows: number; quits: number; tray: TrayMenu | null }

function fakeShell(platform: NodeJS.Platform = 'linux'): FakeShell {
  const shell: FakeShell = {
    platform, windows: 1, quits: 0, tray: null as TrayMenu | null,
    windowCount: () => shell.windows,
    openWindow: () => void shell.windows++,
    showTray: (menu: TrayMenu) => void (shell.tray = menu),
    hideTray: () => void (shell.tray = null),
    quit: () => void shell.quits++,
  }
  return shell
}

describe('KeepAlive', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('quits when the last window closes with no run active, except on macOS', () => {
    for (const [platform, quits] of [['linux', 1], ['win32', 1], ['darwin', 0]] as const) {
      const shell = fakeShell(platform)
      const keepAlive = new KeepAlive(fakeHost([]), shell)
      shell.windows = 0
      keepAlive.onAllWindowsClosed()
      expect([platform, shell.quits, shell.tray]).toEqual([platform, quits, null])
      expect(keepAlive.mayQuit()).toBe(true)
    }
  })

  it('keeps training in the tray when the window closes mid-run; the tray reopens a window', () => {
    const shell = fakeShell()
    const keepAlive = new KeepAlive(fakeHost(['run-1', 'run-2']), shell)
    shell.windows = 0
    keepAlive.onAllWindowsClosed()
    expect(shell.quits).toBe(0)
    expect(shell.tray?.tooltip).toBe('FlowMo Studio: 2 runs training')
    shell.tray!.openWindow()
    expect(shell.windows).toBe(1)
    expect(shell.tray).toBeNull()
  })

  it('quits once the last run ends while no window is open (macOS only hides the tray)', () => {
    for (const [platform, quits] of [['linux', 1], ['darwin', 0]] as const) {
      const host = fakeHost(['run-1'])
      const shell = fakeShell(platform)
      const keepAlive = new KeepAlive(host, shell)
      shell.windows = 0
      keepAlive.onAllWindowsClosed()
      host.end('run-1')
      expect([platform, shell.quits, shell.tray]).toEqual([platform, quits, null])
    }
  })

  it('does not quit when a run ends while a window is open', () => {
    const host = fakeHost(['run-1'])
    const shell = fakeShell()
    new KeepAlive(host, shell)
    host.end('run-1')
    expect(shell.quits).toBe(0)
  })

  it('"Stop runs and quit" stops every run and quits after their run:done', async () => {
    const host = fakeHost(['run-1', 'run-2'])
    const shell = fakeShell()
    const keepAlive = new KeepAlive(host, shell)
    shell.windows = 0
    keepAlive.onAllWindowsClosed()
    shell.tray!.stopRunsAndQuit()
    await vi.advanceTimersByTimeAsync(0)
    expect(host.stopped).toEqual(['run-1', 'run-2'])
    expect(shell.tray?.tooltip).toBe('FlowMo Studio: stopping runs…')
    host.end('run-1')
    await vi.advanceTimersByTimeAsync(0)
    expect(shell.quits).toBe(0) // run-2 is still writing its checkpoint
    host.end('run-2')
    await vi.advanceTimersByTimeAsync(0)
    expect(shell.quits).toBe(1)
    expect(keepAlive.mayQuit()).toBe(true) // the quit that follows goes through
  })

  it('quits anyway when a run does not end within the time limit', async () => {
    const host = fakeHost(['run-1'])
    const shell = fakeShell()
    const keepAlive = new KeepAlive(host, shell, 5000)
    void keepAlive.stopRunsAndQuit()
    await vi.advanceTimersByTimeAsync(4999)
    expect(shell.quits).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(shell.quits).toBe(1)
  })

  it('a quit (Cmd+Q, the menu) with runs active is held back until they stopped', async () => {
    const host = fakeHost(['run-1'])
    const shell = fakeShell()
    const keepAlive = new KeepAlive(host, shell)
    expect(keepAlive.mayQuit()).toBe(false)
    expect(keepAlive.mayQuit()).toBe(false) // a second quit while stopping does not stop twice
    await vi.advanceTimersByTimeAsync(0)
    expect(host.stopped).toEqual(['run-1'])
    host.end('run-1')
    await vi.advanceTimersByTimeAsync(0)
    expect(shell.quits).toBe(1)
    expect(keepAlive.mayQuit()).toBe(true)
  })
})
