// A one-line terminal progress bar on stderr: label, bar, done/total, rate, ETA; plain lines when not a TTY.
export class ProgressLine {
  private readonly started = Date.now()
  private lastPrint = 0

  constructor(private readonly label: string, private readonly total: number, private readonly unit = 'it') {}

  update(done: number, extra = ''): void {
    const now = Date.now()
    const final = done >= this.total
    if (!final && now - this.lastPrint < (process.stderr.isTTY ? 100 : 2000)) return
    this.lastPrint = now
    const secs = (now - this.started) / 1000
    const rate = done / Math.max(secs, 1e-9)
    const eta = rate > 0 ? (this.total - done) / rate : Infinity
    const width = 24
    const filled = Math.round((width * done) / Math.max(this.total, 1))
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
    const line = `${this.label} ${bar} ${done}/${this.total} ${rate.toFixed(2)} ${this.unit}/s ETA ${formatSeconds(eta)}${extra ? ` ${extra}` : ''}`
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`)
    else process.stderr.write(`${line}\n`)
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--'
  if (s < 60) return `${s.toFixed(0)}s`
  const m = Math.floor(s / 60)
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
