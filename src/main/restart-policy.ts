// When the engine process dies, decide whether to restart it and after how long (no Electron imports: unit-tested).

export interface RestartDecision {
  readonly restart: boolean
  readonly delayMs: number // wait before forking again
  readonly attempt: number // 1 for the first restart inside the window
}

/** Allows `maxRestarts` crashes inside `windowMs`, backing off 250 ms, 500 ms, 1 s …; then gives up. */
export class RestartPolicy {
  private crashes: number[] = [] // timestamps (ms) of recent crashes

  constructor(
    readonly maxRestarts = 3,
    readonly windowMs = 60_000,
    readonly baseDelayMs = 250,
  ) {}

  onCrash(nowMs: number): RestartDecision {
    this.crashes = [...this.crashes.filter((t) => nowMs - t < this.windowMs), nowMs]
    const attempt = this.crashes.length
    return { restart: attempt <= this.maxRestarts, delayMs: this.baseDelayMs * 2 ** (attempt - 1), attempt }
  }
}
