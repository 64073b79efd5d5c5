// Keeps the desktop app alive while training runs are active (issue 7): closing the last window leaves the engine
// training behind a tray icon; "Stop runs and quit" stops each run (each writes a checkpoint) and quits once they are
// done or time is up. No Electron imports: index.ts adapts app/Tray/BrowserWindow to AppShell (unit-tested with fakes).

/** The engine host as seen here (TrainerHost). */
export interface RunHost {
  runCount(): number // active runs plus those waiting to resume after a crash
  stopRuns(): Promise<void> // asks each run to stop; each ends with run:done after its checkpoint
  onRunsChanged(listener: () => void): () => void
}

/** The few app operations the decisions need (index.ts: app, BrowserWindow, Tray). */
export interface AppShell {
  readonly platform: NodeJS.Platform
  windowCount(): number
  openWindow(): void
  showTray(menu: TrayMenu): void // idempotent
  hideTray(): void
  quit(): void
}

export interface TrayMenu {
  readonly tooltip: string
  readonly openWindow: () => void // "Open FlowMo Studio"
  readonly stopRunsAndQuit: () => void // "Stop runs and quit"
}

export const stopTimeoutMs = 60_000 // a step plus a checkpoint of a large model; then quit anyway

export class KeepAlive {
  private trayShown = false
  private stopping = false
  private quitAllowed = false

  constructor(private readonly host: RunHost, private readonly shell: AppShell, private readonly timeoutMs = stopTimeoutMs) {
    host.onRunsChanged(() => this.onRunsChanged())
  }

  /** window-all-closed: with runs active the app stays in the tray; else quit (macOS keeps the app, as before). */
  onAllWindowsClosed(): void {
    if (this.host.runCount() > 0) this.showTray()
    else if (this.shell.platform !== 'darwin') this.shell.quit()
  }

  /** before-quit: false means "prevent it" — runs are active, so they are stopped first and the app quits after. */
  mayQuit(): boolean {
    if (this.quitAllowed || this.host.runCount() === 0) return true
    void this.stopRunsAndQuit()
    return false
  }

  /** The tray's "Open FlowMo Studio" (or macOS activate): a new window reattaches to the runs through listRuns. */
  openWindow(): void {
    this.shell.openWindow()
    this.hideTray()
  }

  /** Stops every run, waits for their run:done (at most timeoutMs), then quits. */
  async stopRunsAndQuit(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    if (this.trayShown) this.showTray() // the tooltip says so
    const idle = this.whenIdle()
    await this.host.stopRuns()
    await idle
    this.quitAllowed = true
    this.shell.quit()
  }

  private whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        stop()
        resolve()
      }
      const timer = setTimeout(done, this.timeoutMs)
      const stop = this.host.onRunsChanged(() => this.host.runCount() === 0 && done())
      if (this.host.runCount() === 0) done()
    })
  }

  /** The last run ended while no window is open: nothing keeps the app any more. */
  private onRunsChanged(): void {
    if (!this.trayShown || this.stopping || this.host.runCount() > 0 || this.shell.windowCount() > 0) return
    this.hideTray()
    if (this.shell.platform !== 'darwin') this.shell.quit()
  }

  private showTray(): void {
    const runs = this.host.runCount()
    this.shell.showTray({
      tooltip: this.stopping ? 'FlowMo Studio: stopping runs…' : `FlowMo Studio: ${runs} run${runs === 1 ? '' : 's'} training`,
      openWindow: () => this.openWindow(),
      stopRunsAndQuit: () => void this.stopRunsAndQuit(),
    })
    this.trayShown = true
  }

  private hideTray(): void {
    if (this.trayShown) this.shell.hideTray()
    this.trayShown = false
  }
}
